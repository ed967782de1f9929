/**
 * Preloaded into the service by the dispatch benchmark (`node --import …/sql-profile.js`)
 * when BENCH_SQL_PROFILE names a file: times every better-sqlite3 statement call (they are
 * synchronous, so the time is SQLite's own plus binding) by SQL text, and rewrites the file
 * with the running totals every 500 ms. The benchmark reads it before and after each run and
 * reports where the service's database time per message goes. It changes nothing in the
 * service: the same statements run, each wrapped in two hrtime reads.
 *
 * Only when BENCH_EXPERIMENT is set (never in `npm run bench`'s own runs) it also applies
 * what-ifs for the findings in RESULTS.md, to measure a suggested fix without editing src/:
 * `claim-by-id` (the job claim's UPDATE goes by primary key) and `yield` (each job starts in
 * a macrotask of its own).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';

export interface SqlTotals {
  /** process.hrtime of the dump, ms. */
  at: number;
  /** Calls, total and longest single call (ns) by SQL text. */
  statements: Record<string, { calls: number; ns: number; maxNs: number }>;
}

type StatementMethod = (this: { source: string }, ...args: unknown[]) => unknown;

const out = process.env.BENCH_SQL_PROFILE;
if (out !== undefined && out !== '') {
  // Resolved from the project, as the service resolves it: the same module instance.
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as { prototype: { prepare: (this: unknown, source: string) => object } };
  const totals: SqlTotals['statements'] = {};
  const record = (source: string, ns: number) => {
    const entry = (totals[source] ??= { calls: 0, ns: 0, maxNs: 0 });
    entry.calls++;
    entry.ns += ns;
    if (ns > entry.maxNs) entry.maxNs = ns;
  };
  const patchStatements = (proto: Record<string, unknown>) => {
    for (const name of ['run', 'get', 'all', 'iterate']) {
      const original = proto[name];
      if (typeof original !== 'function') continue;
      const method = original as StatementMethod;
      proto[name] = function (this: { source: string }, ...args: unknown[]): unknown {
        const t0 = process.hrtime.bigint();
        try {
          return method.apply(this, args);
        } finally {
          record(this.source, Number(process.hrtime.bigint() - t0));
        }
      };
    }
  };
  const prepare = Database.prototype.prepare;
  let patched = false;
  // BENCH_EXPERIMENT=claim-by-id[,yield]: what-ifs for the findings (never in a normal run).
  // claim-by-id: what-if for the finding on the job claim (never in a normal
  // run): the claim's outer UPDATE repeats `state = ? and run_at <= ?`, which SQLite answers by
  // walking every due job; a unary + keeps those terms out of index selection, so the UPDATE
  // finds its candidates by primary key. Same rows, same semantics.
  const experiments = new Set((process.env.BENCH_EXPERIMENT ?? '').split(',').map((e) => e.trim()));
  const claimById = experiments.has('claim-by-id');
  const rewrite = (source: string) =>
    claimById ? source.replace(/\) and \("state" = \? and "(run_at|locked_until)" <= \?\) returning \*$/, ') and (+"state" = ? and +"$1" <= ?) returning *') : source;
  Database.prototype.prepare = function (this: unknown, source: string): object {
    const statement = prepare.call(this, rewrite(source));
    if (!patched) {
      patched = true;
      patchStatements(Object.getPrototypeOf(statement) as Record<string, unknown>);
    }
    return statement;
  };
  // Each thread of the service (the worker thread runs this preload too) writes its own file.
  const file = isMainThread ? out : `${out}.thread-${threadId}`;
  const dump = () => {
    const body: SqlTotals = { at: Number(process.hrtime.bigint() / 1_000_000n), statements: totals };
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(body));
    fs.renameSync(`${file}.tmp`, file);
  };
  setInterval(dump, 500).unref();
  // yield: each job starts in a macrotask of its own (setImmediate) instead of straight from
  // the runner's microtask chain, so the event loop gets a turn between jobs.
  if (experiments.has('yield')) {
    const { JobRunner } = await import('../src/worker/job-runner.js');
    const proto = JobRunner.prototype as unknown as { execute: (this: unknown, job: unknown) => Promise<void> };
    const execute = proto.execute;
    proto.execute = async function (this: unknown, job: unknown): Promise<void> {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return execute.call(this, job);
    };
  }
  process.once('exit', dump);
}
