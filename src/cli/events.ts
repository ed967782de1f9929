/** `orderline events replay`: re-plan a tenant's events since a time, without double-sending. */
import { isoTime } from '../domain/events/fields.js';
import type { Command } from 'commander';
import { compose } from '../app/compose.js';
import type { Config } from '../config/config.js';
import { replayEvents } from '../use-cases/replay-events.js';
import { printJson, printLines } from './output.js';

export function registerEventCommands(program: Command, config: () => Config): void {
  const events = program.command('events').description("a tenant's stored events");
  events
    .command('replay')
    .description('queue the accepted events since a time for planning again; messages already planned are not sent twice')
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--since <time>', 'ISO-8601 time, e.g. 2026-11-01T00:00:00Z')
    .option('--json', 'print {"queued": n}')
    .action(async (options: { tenant: string; since: string; json?: boolean }) => {
      // Read as the guest API reads times (a time without an offset is UTC), but only as a date
      // or date-time: Date would take "1" as the year 2001, and isoTime a number as a unix time.
      const iso = /^\d{4}-\d{2}-\d{2}/.test(options.since.trim()) ? isoTime(options.since) : null;
      if (iso === null) throw new Error('--since must be an ISO-8601 date or time, e.g. 2026-11-01 or 2026-11-01T00:00:00Z');
      const since = new Date(iso);
      const orderline = await compose(config(), { defaultMetrics: false });
      try {
        await orderline.tenants.get(options.tenant);
        const queued = await replayEvents(orderline, options.tenant, since);
        if (options.json === true) return printJson({ queued });
        printLines([`Queued ${queued} event(s) for planning; a running worker sends what was never sent.`]);
      } finally {
        await orderline.close();
      }
    });
}
