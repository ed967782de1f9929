/** `orderline events replay`: re-plan a tenant's events since a time, without double-sending. */
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
      const since = new Date(options.since);
      if (Number.isNaN(since.getTime())) throw new Error('--since must be an ISO-8601 time');
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
