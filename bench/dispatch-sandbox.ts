/**
 * What the dispatch benchmark reads, outside the load:
 *   - from the standalone sandbox: its counters (`GET /sandbox/graph/_stats`, polled during a
 *     run: a few hundred bytes) and, after the run, each customer's chat
 *     (`GET /sandbox/tenants/{id}/chats/{phone}`): every message it accepted, with `at`, the
 *     time it accepted it (ms), and the exact request body;
 *   - from the service: its job queue depth (`GET /metrics`), to start each run idle;
 *   - from the service's SQLite file (read-only, after a run): when each message was planned
 *     and when its send started, to split the latency into stages;
 *   - from bench/sql-profile.ts preloaded into the service: its database time by statement.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Pool } from 'undici';
import type { SqlTotals } from './sql-profile.js';

export interface SandboxStats {
  accepted: number;
  rejected: number;
  webhookPosts: number;
  webhookFailures: number;
  statuses: number;
}

/** One message the sandbox accepted, as the benchmark needs it. */
export interface AcceptedMessage {
  /** Date.parse of the chat entry's `at` (ms). */
  at: number;
  status: string;
  /** The `/messages` request body, re-serialised (JSON.stringify of what was parsed). */
  body: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number => (typeof value === 'number' ? value : NaN);

export class SandboxClient {
  private readonly pool: Pool;

  constructor(
    readonly url: string,
    private readonly tenantId: string,
  ) {
    this.pool = new Pool(url, { connections: 32, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  private async getJson(path: string): Promise<unknown> {
    const response = await this.pool.request({ path, method: 'GET' });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`sandbox GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }

  async stats(): Promise<SandboxStats> {
    const body = await this.getJson('/sandbox/graph/_stats');
    if (!isRecord(body)) throw new Error(`unexpected _stats answer: ${JSON.stringify(body)}`);
    const statuses = isRecord(body.statuses) ? Object.values(body.statuses).reduce<number>((a, b) => a + num(b), 0) : NaN;
    return {
      accepted: num(body.accepted),
      rejected: num(body.rejected),
      webhookPosts: num(body.webhookPosts),
      webhookFailures: num(body.webhookFailures),
      statuses,
    };
  }

  /** The messages the sandbox accepted for one customer (outgoing chat entries), oldest first. */
  async accepted(digits: string): Promise<AcceptedMessage[]> {
    const body = await this.getJson(`/sandbox/tenants/${encodeURIComponent(this.tenantId)}/chats/${digits}`);
    if (!isRecord(body) || !Array.isArray(body.items)) throw new Error(`unexpected chat answer for ${digits}`);
    const out: AcceptedMessage[] = [];
    for (const item of body.items as unknown[]) {
      if (!isRecord(item) || item.direction !== 'out' || typeof item.at !== 'string') continue;
      out.push({ at: Date.parse(item.at), status: typeof item.status === 'string' ? item.status : '', body: JSON.stringify(item.body) });
    }
    return out;
  }

  /** Reads many customers' chats, `concurrency` requests at a time. */
  async acceptedFor(digits: readonly string[], concurrency = 32): Promise<Map<string, AcceptedMessage[]>> {
    const result = new Map<string, AcceptedMessage[]>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < digits.length) {
        const phone = digits[next++];
        if (phone !== undefined) result.set(phone, await this.accepted(phone));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return result;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** `_stats` sampled every `intervalMs` while a run goes on: progress, and when it has drained. */
export class StatsPoller {
  readonly samples: { at: number; stats: SandboxStats }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly sandbox: SandboxClient,
    private readonly intervalMs = 200,
  ) {
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      try {
        this.samples.push({ at: Date.now(), stats: await this.sandbox.stats() });
      } catch {
        // A missed sample is no problem; a dead sandbox is noticed by the run.
      }
      await sleep(this.intervalMs);
    }
  }

  latest(): SandboxStats | undefined {
    return this.samples[this.samples.length - 1]?.stats;
  }

  /**
   * Waits until the sandbox accepted `expected` messages in all (or has made no progress for
   * `stallMs`, or `maxMs` passed). Returns whether `expected` was reached.
   */
  async waitForAccepted(expected: number, stallMs = 20_000, maxMs = 300_000): Promise<boolean> {
    const start = Date.now();
    let last = -1;
    let lastChange = start;
    for (;;) {
      const accepted = this.latest()?.accepted ?? 0;
      if (accepted >= expected) return true;
      if (accepted !== last) {
        last = accepted;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > stallMs || Date.now() - start > maxMs) return false;
      await sleep(this.intervalMs);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** `orderline_queue_depth` from the service's /metrics: jobs pending or running. */
export async function queueDepth(serviceUrl: string): Promise<number> {
  const response = await fetch(`${serviceUrl}/metrics`);
  const text = await response.text();
  const match = /^orderline_queue_depth(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (response.status !== 200 || match?.[1] === undefined) throw new Error(`no orderline_queue_depth in /metrics (HTTP ${response.status})`);
  return Number(match[1]);
}

export interface LoopLag {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

const SAMPLE_MS = 10;

/**
 * The service's event-loop delay since the previous scrape (prom-client's default metrics
 * reset their histogram on every scrape): how long ready work, a pacing timer included,
 * could wait for the one thread.
 */
export async function eventLoopLag(serviceUrl: string): Promise<LoopLag> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const seconds = (name: string) =>
    Number(new RegExp(`^(?:orderline_)?nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  // monitorEventLoopDelay samples every 10 ms (prom-client's default) and records the whole
  // interval between samples: the delay is what exceeds it.
  const lagMs = (name: string) => Math.max(0, 1000 * seconds(name) - SAMPLE_MS);
  return { meanMs: lagMs('mean'), p99Ms: lagMs('p99'), maxMs: lagMs('max') };
}

/** Waits until the service's queue is empty; returns the depth it last saw. */
export async function waitForIdle(serviceUrl: string, maxMs = 120_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const depth = await queueDepth(serviceUrl);
    if (depth === 0 || Date.now() - start > maxMs) return depth;
    await sleep(250);
  }
}

/** A message as the service recorded it (epoch ms). */
export interface ServiceMessage {
  state: string;
  attempts: number;
  /** When the worker planned it (the message row was written). */
  plannedAt: number;
  /** When its (last) send started: after the pacing wait, before marking it sending and the HTTP call. */
  sendStartedAt: number | null;
}

/** The service's messages by recipient, for recipients in `digits` (read-only; the service may be running). */
export function serviceMessages(dbFile: string, digits: readonly string[]): Map<string, ServiceMessage[]> {
  const db = new BetterSqlite3(dbFile, { readonly: true, fileMustExist: true });
  try {
    const wanted = new Set(digits);
    const rows = db.prepare('select recipient, state, attempts, created_at, send_started_at from messages where recipient is not null').all() as {
      recipient: string;
      state: string;
      attempts: number;
      created_at: number;
      send_started_at: number | null;
    }[];
    const out = new Map<string, ServiceMessage[]>();
    for (const row of rows) {
      if (!wanted.has(row.recipient)) continue;
      const list = out.get(row.recipient) ?? [];
      list.push({ state: row.state, attempts: row.attempts, plannedAt: Number(row.created_at), sendStartedAt: row.send_started_at === null ? null : Number(row.send_started_at) });
      out.set(row.recipient, list);
    }
    return out;
  } finally {
    db.close();
  }
}

/** Database time in the service over a run, by statement (from bench/sql-profile.ts). */
export interface SqlUse {
  totalMs: number;
  /** `maxMs`: the longest single call since the service started (not only this run). */
  statements: { sql: string; calls: number; ms: number; maxMs: number }[];
}

/** The service's totals: its main thread's file and one per worker thread (`FILE.thread-N`), summed. */
export function readSqlTotals(file: string): SqlTotals | null {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const parts: SqlTotals[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (name !== base && !name.startsWith(`${base}.thread-`)) continue;
    if (name.endsWith('.tmp')) continue;
    parts.push(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as SqlTotals);
  }
  if (parts.length === 0) return null;
  const statements: SqlTotals['statements'] = {};
  for (const part of parts) {
    for (const [sql, total] of Object.entries(part.statements)) {
      const sum = (statements[sql] ??= { calls: 0, ns: 0, maxNs: 0 });
      sum.calls += total.calls;
      sum.ns += total.ns;
      sum.maxNs = Math.max(sum.maxNs, total.maxNs);
    }
  }
  return { at: Math.max(...parts.map((p) => p.at)), statements };
}

export function sqlUse(before: SqlTotals | null, after: SqlTotals | null): SqlUse | null {
  if (after === null) return null;
  const statements: SqlUse['statements'] = [];
  for (const [sql, total] of Object.entries(after.statements)) {
    const earlier = before?.statements[sql];
    const calls = total.calls - (earlier?.calls ?? 0);
    const ms = (total.ns - (earlier?.ns ?? 0)) / 1e6;
    if (calls > 0) statements.push({ sql, calls, ms, maxMs: total.maxNs / 1e6 });
  }
  statements.sort((a, b) => b.ms - a.ms);
  return { totalMs: statements.reduce((a, s) => a + s.ms, 0), statements };
}

/** SQLite's plan for a statement the service ran (parameters bound as null), one step per line. */
export function queryPlans(dbFile: string, statements: readonly string[]): Map<string, string[]> {
  const db = new BetterSqlite3(dbFile, { readonly: true, fileMustExist: true });
  const plans = new Map<string, string[]>();
  try {
    for (const sql of statements) {
      if (!/^\s*(select|update|delete|insert|with)\b/i.test(sql)) continue;
      try {
        const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null);
        const rows = db.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[];
        plans.set(
          sql,
          rows.map((r) => r.detail),
        );
      } catch {
        // Not explainable read-only (or a schema it cannot see): leave it out.
      }
    }
    return plans;
  } finally {
    db.close();
  }
}
