/**
 * Findings written from what the run measured: saturation, who fell behind, and the query
 * plans of the statements that cost the service the most (EXPLAIN QUERY PLAN on the run's own
 * database, so a fixed plan stops being reported).
 */
import type { BaselineRun, OrderlineRun } from './dispatch-report.js';
import type { DispatchSettings } from './dispatch-settings.js';
import { PACING_SHARE } from '../src/use-cases/send-message.js';

const fixed = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const flat = (sql: string) => sql.replace(/\s+/g, ' ').replace(/"/g, '');

/** The statements worth a query plan: those that took the most database time in any run. */
export function costliestStatements(runs: readonly OrderlineRun[], perRun = 6): string[] {
  const out = new Set<string>();
  for (const r of runs) for (const s of r.sql?.statements.slice(0, perRun) ?? []) out.add(s.sql);
  return [...out];
}

interface StatementCost {
  run: OrderlineRun;
  callsPerMessage: number;
  usPerCall: number;
  share: number;
}

function costs(runs: readonly OrderlineRun[], match: (sql: string) => boolean): StatementCost[] {
  const out: StatementCost[] = [];
  for (const run of runs) {
    const sql = run.sql;
    if (sql === null || run.accepted === 0) continue;
    const hits = sql.statements.filter((s) => match(s.sql));
    const calls = hits.reduce((a, s) => a + s.calls, 0);
    const ms = hits.reduce((a, s) => a + s.ms, 0);
    if (calls > 0) out.push({ run, callsPerMessage: calls / run.accepted, usPerCall: (1000 * ms) / calls, share: ms / sql.totalMs });
  }
  return out;
}

const describe = (c: StatementCost) =>
  `${c.run.kind} cap, round ${c.run.round}: ${fixed(c.usPerCall)} µs per call, ${fixed(c.callsPerMessage, 2)} calls per message, ${fixed(100 * c.share)}% of SQL time`;

/**
 * The drain (after the load, with no more ingestion) shows what planning and sending do
 * without the guest API beside them: near the pacing ceiling, the load itself held them back.
 */
function drainNote(runs: OrderlineRun[], settings: DispatchSettings): string {
  const drained = runs.filter((r) => Number.isFinite(r.drainRate));
  if (drained.length === 0) return '';
  const ceiling = settings.cap * PACING_SHARE;
  const rates = drained.map((r) => `${fixed(r.drainRate)} msgs/s after ${fixed(r.throughput)} during the load`).join('; ');
  const nearCeiling = drained.every((r) => r.drainRate >= 0.95 * ceiling);
  return (
    ` Once the load ended, the backlog went out at ${rates} (pacing ceiling ${fixed(ceiling)}/s)` +
    (nearCeiling
      ? ': without ingestion beside it the pipeline nears the ceiling, so what held it back was the guest API sharing the main thread (and its database connection) with planning.'
      : ': even without ingestion beside it the pipeline stays short of the ceiling.')
  );
}

export function findings(runs: OrderlineRun[], baselines: BaselineRun[], settings: DispatchSettings, plans: Map<string, string[]>): string[] {
  const notes: string[] = [];
  const over = runs.filter((r) => r.kind === 'over');
  const below = runs.filter((r) => r.kind === 'below');
  // `serve --role all` runs two busy threads: the API (guest API, webhook intake, planning) and
  // the worker (sends, statuses). Either at a full core limits the whole pipeline.
  const busiest = (r: OrderlineRun) => r.cpu.threads.service ?? [];
  const threadsOf = (r: OrderlineRun) => busiest(r).slice(0, 2).map((p) => `${fixed(p)}%`).join(' + ');
  const saturated = runs.filter((r) => (busiest(r)[0] ?? 0) >= 90);
  if (saturated.length > 0) {
    notes.push(
      `- **CPU-bound.** A service thread used a full core in ${saturated.length} of ${runs.length} runs (busiest threads: ${saturated.map(threadsOf).join('; ')}; ` +
        `CPU per message in each run: ${runs.map((r) => `${fixed(r.cpuMsPerMessage, 2)} ms`).join(', ')}). The sandbox used ${runs.map((r) => fixed(r.cpu.processes.sandbox ?? NaN)).join(', ')}%.`,
    );
  }
  const shortOfCap = over.filter((r) => r.throughput < 0.95 * settings.cap && (busiest(r)[0] ?? 0) < 90);
  if (shortOfCap.length > 0) {
    // Where the orders waited: for their event.process job (planning, on the API thread with
    // a quarter of the worker's slots) or for their send (claim and pacing, on the worker thread).
    const waited = (r: OrderlineRun) =>
      r.toPlanned.p50 >= r.toSendStart.p50
        ? `most in planning (answered → planned p50 ${fixed(r.toPlanned.p50)} ms, planned → send started ${fixed(r.toSendStart.p50)} ms)`
        : `most for their send (planned → send started p50 ${fixed(r.toSendStart.p50)} ms, answered → planned ${fixed(r.toPlanned.p50)} ms)`;
    const serial = (r: OrderlineRun) => (r.sql === null ? null : r.sql.totalMs / Math.max(1, r.accepted));
    // What the statements' time would allow if they were all the work, one after another.
    const allows = shortOfCap.map((r) => {
      const ms = serial(r);
      return ms === null ? null : { ms, perSecond: 1000 / ms };
    });
    const known = allows.filter((a) => a !== null);
    const roomy = known.length === allows.length && known.every((a) => a.perSecond >= 1.5 * settings.cap);
    const database =
      known.length === 0
        ? 'The SQLite statements were not timed in this run.'
        : `Time inside SQLite statements per accepted message: ${known.map((a) => `${fixed(a.ms, 2)} ms (at most ${fixed(a.perSecond)} msgs/s if that were all the work)`).join(', ')}; ` +
          (roomy
            ? `over 1.5 times the cap of ${settings.cap}/s, so not the database's own work.`
            : `within 1.5 times the cap of ${settings.cap}/s: with the writes of both threads taking turns on one lock, the database's own work may be what limits here.`);
    notes.push(
      `- **Short of the cap with no thread at a full core** (${shortOfCap.map((r) => `round ${r.round}: ${fixed(r.throughput)} msgs/s, threads ${threadsOf(r)}, orders waited ${waited(r)}`).join('; ')}). ` +
        `${database} A job holds its slot while it waits for the write lock (the other thread may hold it), for its group commit and for its completion to be written, ` +
        'so a stage\'s throughput is its slots over that waiting, whatever the CPU left.' +
        drainNote(shortOfCap, settings),
    );
  }
  const lagging = below.filter((r) => r.throughput < 0.97 * r.offeredRate);
  if (lagging.length > 0) {
    notes.push(
      `- **Falls behind below the cap.** At ${settings.below.rate} orders/s the sandbox accepted only ${lagging.map((r) => fixed(r.throughput)).join(', ')} msgs/s: ` +
        `the backlog grows for the whole run, so the event-to-send time is queueing (see the stages: most of it is waiting for the event.process and message.send jobs to be claimed).`,
    );
  }
  const starved = over.filter((r) => r.postRate < 0.97 * r.offeredRate);
  if (starved.length > 0) {
    notes.push(
      `- **Ingestion slows down while the worker sends.** Over the cap the guest API answered only ${starved.map((r) => fixed(r.postRate)).join(', ')} of ${settings.over.rate} orders/s ` +
        `(POST p99 ${starved.map((r) => `${fixed(r.postP99 / 1000, 1)} s`).join(', ')}): the worker's synchronous SQLite calls hold the event loop that the API needs.`,
    );
  }

  // The event loop blocked far longer than any single statement: a long run of small steps.
  const longestCall = (r: OrderlineRun) => (r.sql?.statements ?? []).reduce((a, x) => Math.max(a, x.maxMs), 0);
  const blocked = runs.filter((r) => r.lag.maxMs > 200 && r.lag.maxMs > 5 * longestCall(r));
  if (blocked.length > 0) {
    notes.push(
      `- **The in-process worker starves the event loop (src/worker/job-runner.ts, \`poll\`).** The service's event loop was blocked for up to ` +
        `${blocked.map((r) => `${fixed(r.lag.maxMs)} ms`).join(', ')} (p99 ${blocked.map((r) => `${fixed(r.lag.p99Ms)} ms`).join(', ')}) while no single SQL call took more than ` +
        `${fixed(Math.max(...blocked.map(longestCall)))} ms: the blockage is a long chain of small synchronous steps. better-sqlite3 answers synchronously, so every Kysely query ` +
        'resolves as a microtask; the runner loops claim → run → claim without ever waiting on a timer or I/O while jobs need only the database (event.process: read the event, plan, write the message), ' +
        'so it can work through the whole backlog of those jobs inside one macrotask. A CPU profile of this benchmark (BENCH_CPU_PROF) shows the longest busy stretches, 1 to 2.6 s, ' +
        'entirely under one `processTicksAndRejections → runMicrotasks`, in planForEvent, claims and message inserts. Meanwhile no HTTP request is read (POST p99 in seconds, ' +
        'ingestion below the offered rate), no sandbox answer is processed, and pacing timers fire late (next finding). Suggested fix: yield to the event loop between jobs ' +
        '(e.g. `await setImmediate()` in the poll loop after each claim, or a time budget per turn), and give API requests precedence over draining the backlog.',
    );
  }
  const overCap = runs.filter((r) => r.maxWindow > settings.cap || r.maxWindowSender > settings.cap);
  if (overCap.length > 0) {
    const worst = overCap.reduce((a, r) => (r.maxWindowSender > a.maxWindowSender ? r : a));
    notes.push(
      `- **The cap is exceeded by event-loop lag (src/shared/pacer.ts with src/use-cases/send-message.ts).** In ${overCap.length} of ${runs.length} runs a one-second window held more than ${settings.cap} messages: ` +
        `${overCap.map((r) => `${r.kind} cap round ${r.round}: ${r.maxWindow} at the sandbox, ${r.maxWindowSender} by the service's own send_started_at, loop lag max ${fixed(r.lag.maxMs)} ms`).join('; ')}. ` +
        'The pacer hands out slots exactly 1/cap apart, but a job then sleeps until its slot with a timer and sends when the timer callback runs. ' +
        'When the one thread is busy (see the loop lag), the timers of several slots fire together afterwards, so those sends bunch on top of the next on-time ones: ' +
        `in the worst case a window holds cap + lag x cap / 1000 sends (here ${worst.maxWindowSender} by the service's clock with up to ${fixed(worst.lag.maxMs)} ms of lag). The pacing holds for the slots, not for the sends. ` +
        'Suggested fix: decide at the moment of sending, from the actual send times (e.g. a ring of the last `cap` send starts: wait until the oldest is 1 s old), and keep a small margin for network jitter, since Meta counts where it receives.',
    );
  }
  // The job claim: an UPDATE … WHERE id IN (candidates) AND state = ? AND run_at <= ? that SQLite
  // answers by walking the (state, run_at) index over every due job, not by the primary key.
  const isClaim = (sql: string) => /update "jobs"/i.test(sql) && /candidates/i.test(sql);
  for (const [sql, plan] of plans) {
    if (!isClaim(sql)) continue;
    const outer = plan[0] ?? '';
    if (/USING INDEX jobs_due/i.test(outer) && /BLOOM FILTER|LIST SUBQUERY/i.test(plan.join('\n'))) {
      const c = costs(runs, isClaim);
      notes.push(
        `- **Claiming a job costs O(backlog) (src/queue/database-queue.ts, \`claimWhere\`).** The outer \`UPDATE jobs … WHERE id IN (SELECT id FROM candidates) AND state = ? AND run_at <= ?\` ` +
          `is planned as \`${outer}\`: SQLite walks every due pending job through the (state, run_at) index and tests each against the candidate list, instead of looking the few candidates up by primary key. ` +
          `So each claim gets slower as the backlog grows, which makes the backlog grow faster. Measured here: ${c.map(describe).join('; ')}. ` +
          'The runner also claims about once per job (a finished job frees one slot and wakes the loop), so this runs twice per message (event.process, then message.send). ' +
          'Suggested fix (not applied, src/ is out of scope): on SQLite, drop the repeated condition from the outer UPDATE or make it unusable for an index (`+state`, `+run_at`), so the UPDATE goes by `id`; ' +
          'and claim in batches when the runner has several free slots.',
      );
    }
  }
  const b = baselines.map((x) => x.result.msgsPerSec);
  if (b.length > 0 && Math.min(...b) < settings.cap * 1.5) {
    notes.push(`- The sandbox itself took only ${fixed(Math.min(...b))} msgs/s from a bare client: close to the cap, so it limits what this benchmark can show.`);
  }
  return notes;
}

/** The plans, for the section (statement, then its steps). */
export function planLines(plans: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [sql, plan] of plans) {
    out.push(`- \`${flat(sql).slice(0, 300)}\``, ...plan.map((step) => `  - ${step}`));
  }
  return out;
}
