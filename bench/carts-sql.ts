/**
 * Traces the SQL statements the service runs inside one bench call (`capture`): better-sqlite3's
 * statement methods are wrapped (they are synchronous, so the time is SQLite's own plus binding)
 * and record the SQL text, the parameters of the first call and the time, while a capture is
 * open. Then SQLite's plan of each statement, with those parameters, comes from EXPLAIN QUERY
 * PLAN on the service's own connection. Nothing else changes: the same statements run.
 */
import { createRequire } from 'node:module';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../src/store/schema.js';

export interface TracedStatement {
  sql: string;
  calls: number;
  totalMs: number;
  maxMs: number;
  plan: string[];
}

interface Entry {
  calls: number;
  ns: number;
  maxNs: number;
  params: unknown[];
}

type StatementMethod = (this: { source: string }, ...args: unknown[]) => unknown;

let active: Map<string, Entry> | null = null;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  // Resolved from the project, as the service resolves it: the same module instance.
  const require = createRequire(import.meta.url);
  const BetterSqlite3 = require('better-sqlite3') as new (file: string) => { prepare(sql: string): object; close(): void };
  const probe = new BetterSqlite3(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  probe.close();
  for (const name of ['run', 'get', 'all', 'iterate']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    const method = original as StatementMethod;
    proto[name] = function (this: { source: string }, ...args: unknown[]): unknown {
      if (active === null) return method.apply(this, args);
      const t0 = process.hrtime.bigint();
      try {
        return method.apply(this, args);
      } finally {
        const ns = Number(process.hrtime.bigint() - t0);
        const entry = active.get(this.source);
        if (entry === undefined) {
          active.set(this.source, { calls: 1, ns, maxNs: ns, params: args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args });
        } else {
          entry.calls += 1;
          entry.ns += ns;
          if (ns > entry.maxNs) entry.maxNs = ns;
        }
      }
    };
  }
}

export interface Capture {
  /** Runs `fn` with the trace on; calls may be repeated, statements add up. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** The statements seen, with SQLite's plans, most total time first. */
  statements(db: Kysely<Database>): Promise<TracedStatement[]>;
}

const NO_PLAN = /^\s*(begin|commit|rollback|savepoint|release|pragma|explain)\b/i;

export function newCapture(): Capture {
  install();
  const seen = new Map<string, Entry>();
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      const previous = active;
      active = seen;
      try {
        return await fn();
      } finally {
        active = previous;
      }
    },
    async statements(db: Kysely<Database>): Promise<TracedStatement[]> {
      const out: TracedStatement[] = [];
      for (const [sql, entry] of seen) {
        let plan: string[] = [];
        if (!NO_PLAN.test(sql)) {
          try {
            const result = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${sql}`, entry.params));
            plan = result.rows.map((r) => r.detail);
          } catch (error) {
            plan = [`(no plan: ${error instanceof Error ? error.message : String(error)})`];
          }
        }
        out.push({ sql, calls: entry.calls, totalMs: entry.ns / 1e6, maxMs: entry.maxNs / 1e6, plan });
      }
      return out.sort((a, b) => b.totalMs - a.totalMs);
    },
  };
}

/** A plan step that walks a whole range of an index on a low-selectivity prefix instead of looking a key up. */
export function walksRange(plan: readonly string[]): boolean {
  // The claim's candidates legitimately read (kind, state, run_at) in order with a LIMIT.
  return plan.some((l) => /^SCAN (?!candidates|k\d+\b|due\b)/.test(l) || /USING (COVERING )?INDEX \S+ \((tenant_id|state)=\?\)$/.test(l));
}
