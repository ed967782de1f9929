/**
 * The dispatch report's table of the service's database time per message (SQLite statements,
 * timed inside the service by bench/sql-profile.ts). Its own module because it is the one table
 * built from statement text, which needs flattening and escaping for markdown.
 */
import type { OrderlineRun } from './dispatch-report-runs.js';
import { fixed, kindLabel } from './dispatch-report-lines.js';
import type { SqlUse } from './dispatch-sandbox.js';

const shortSql = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').replace(/"/g, '').replace(/\|/g, '\\|');
  return flat.length > 150 ? `${flat.slice(0, 147)}...` : flat;
};

function longest(sql: SqlUse): string {
  const worst = [...sql.statements].sort((a, b) => b.maxMs - a.maxMs).slice(0, 2);
  return `Longest single calls since the service started: ${worst.map((x) => `${fixed(x.maxMs, 0)} ms \`${shortSql(x.sql)}\``).join(', ')}.`;
}

/** The service's database time per message in one run, top statements first. */
export function sqlTable(run: OrderlineRun, top = 12): string[] {
  const sql = run.sql;
  if (sql === null || run.accepted === 0) return [];
  const perMessage = (x: number) => x / run.accepted;
  const wallMs = run.cpu.elapsedMs;
  return [
    `Round ${run.round}, ${kindLabel(run.kind)}: ${run.accepted} messages; the service used ${fixed(run.cpuMsPerMessage, 2)} ms of CPU per message, ` +
      `${fixed(perMessage(sql.totalMs), 2)} ms of it inside SQLite statements (${fixed((100 * sql.totalMs) / wallMs, 0)}% of the run's wall time), ` +
      `${fixed(perMessage(sql.statements.reduce((a, x) => a + x.calls, 0)), 1)} statements per message. ` +
      longest(sql),
    '',
    '| statement | calls per message | µs per call | longest call ms (since start) | ms per message | share of SQL time |',
    '|---|---:|---:|---:|---:|---:|',
    ...sql.statements
      .slice(0, top)
      .map(
        (x) =>
          `| \`${shortSql(x.sql)}\` | ${fixed(perMessage(x.calls), 2)} | ${fixed((1000 * x.ms) / x.calls, 0)} | ${fixed(x.maxMs, 1)} | ${fixed(perMessage(x.ms), 3)} | ${fixed((100 * x.ms) / sql.totalMs, 1)}% |`,
      ),
  ];
}
