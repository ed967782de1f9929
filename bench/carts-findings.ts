/**
 * The findings of the cart-timer report, written from what the run measured (budgets cut off,
 * range-walking statements, what-ifs, a stalled event loop, a noisy machine), so each paragraph
 * appears only when the numbers behind it are there.
 */
import type { CartBenchResult } from './carts-report.js';
import { walksRange } from './carts-sql.js';
import { fixed, int, shorten } from './carts-stats.js';

/** What a range-walking plan walks, in words. */
function walked(plan: readonly string[]): string {
  if (plan.some((l) => /INDEX carts_tenant_id \(tenant_id=\?\)/.test(l))) return 'every cart of the tenant (the `carts_tenant_id` index, then each row)';
  if (plan.some((l) => /INDEX jobs_leases \(state=\?\)/.test(l))) return 'every job in that state (the `jobs_leases` index, then each row: the partial key index `jobs_live_key` is not used)';
  if (plan.some((l) => /INDEX jobs_due_by_kind/.test(l))) return 'every due job of a kind (the `jobs_due_by_kind` index)';
  return 'a whole table or index range';
}

export function findingsOf(r: Omit<CartBenchResult, 'findings'>): string[] {
  const out: string[] = [];
  const f = r.firing;
  const n = r.settings.carts;
  if (r.scheduleFill.count > 0) {
    out.push(
      `Scheduling through \`onCart\` ran out of its ${r.settings.scheduleBudgetS} s budget after ${int(r.schedule.ops)} of ${int(n)} carts; the rate fell from ${int(r.schedule.blocks[0]?.perSecond ?? NaN)}/s (first block) to ${int(r.schedule.blocks[r.schedule.blocks.length - 1]?.perSecond ?? NaN)}/s (last block), and at ${int(n)} pending one call takes ${fixed(r.scheduleAtScale.latencyMs.mean)} ms on average (${int(1000 / r.scheduleAtScale.latencyMs.mean)}/s): all ${int(n)} through \`onCart\` would take ≈ ${int(r.projection.scheduleAllS)} s. The other ${int(r.scheduleFill.count)} carts were written in bulk (${fixed(r.scheduleFill.seconds, 1)} s).`,
    );
  }
  if (r.cancelFill.count > 0) {
    out.push(
      `Cancelling through \`onOrder\` ran out of its ${r.settings.cancelBudgetS} s budget after ${int(r.cancel.ops)} of ${int(r.cancel.ops + r.cancelFill.count)} orders (${int(r.cancel.perSecond)}/s): all of them would take ≈ ${int(r.projection.cancelAllS)} s. The other ${int(r.cancelFill.count)} were cancelled in bulk with the writes \`onOrder\` ends with (${fixed(r.cancelFill.seconds, 1)} s).`,
    );
  }
  for (const profile of r.sql) {
    const total = profile.statements.reduce((a, t) => a + t.totalMs, 0);
    for (const st of profile.statements) {
      const share = total === 0 ? 0 : st.totalMs / total;
      if (!walksRange(st.plan) || share < 0.2) continue;
      out.push(
        `${profile.name}: \`${shorten(st.sql, 120)}\` is ${fixed(100 * share, 0)}% of the SQL time (${fixed(st.totalMs / st.calls)} ms per run, ${fixed(st.calls / Math.max(profile.ops, 1), 1)} runs per ${profile.unit}); its plan \`${st.plan.join('; ')}\` walks ${walked(st.plan)} instead of looking the key up, so it grows with the table.`,
      );
    }
  }
  for (const probe of r.whatIfs) {
    out.push(`What-if (not the shipped code): ${probe.name} — \`${probe.plan.join('; ')}\`: ${fixed(probe.ms.p50, 3)} ms p50, ${fixed(probe.ms.p99, 3)} ms p99 at ${int(n)} carts.`);
  }
  if (f.longestLoopGapMs > 1000) {
    out.push(
      `While reminders were due the event loop stopped turning for up to ${fixed(f.longestLoopGapMs / 1000, 1)} s: on SQLite every query resolves as a microtask, so \`JobRunner.poll\` (claim, run, claim again as a slot frees) never yields to timers or I/O while work is due. Send jobs waiting on the pacer's \`setTimeout\` (${int(Math.max(0, ...f.timeline.map((t) => t.sendsInFlight)))} at most in flight here) hold their runner slots meanwhile, and in \`serve --role all\` (same process, same event loop) HTTP requests would wait as well.`,
    );
  }
  if (f.dueBeforeRunner > 0) {
    out.push(`${int(f.dueBeforeRunner)} reminders came due before the runner started (scheduling and cancelling took ${fixed(r.leadUsedS, 1)} s of a ${r.settings.leadS} s lead): their lateness includes that wait; raise BENCH_LEAD_S.`);
  }
  if (f.queued < f.expected) {
    out.push(`${int(f.expected - f.queued)} reminders had not fired ${r.settings.drainTimeoutS} s after the last due time: counted with the time they had waited when the run stopped, lateness is at least p50 ${fixed(f.latenessWithUnfired.p50, 0)} ms, p99 ${fixed(f.latenessWithUnfired.p99, 0)} ms.`);
  }
  if (f.otherCpuPct > 25 || r.schedule.otherCpuPct > 25 || r.cancel.otherCpuPct > 25) {
    out.push(`The machine was not quiet: other processes used ${fixed(r.schedule.otherCpuPct, 0)}% / ${fixed(r.cancel.otherCpuPct, 0)}% / ${fixed(f.otherCpuPct, 0)}% of a core during scheduling / cancelling / firing.`);
  }
  return out;
}
