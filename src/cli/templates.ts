/** `orderline templates export`: the default templates as Meta's template-creation API takes them. */
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { catalogExport } from '../domain/templates/default-catalog.js';
import { printJson } from './output.js';

export function registerTemplateCommands(program: Command, config: () => Config): void {
  const templates = program.command('templates').description('the default WhatsApp templates');
  templates
    .command('export')
    .description(
      'print the default templates as POST /{waba-id}/message_templates bodies (JSON array); URL buttons point at PUBLIC_URL/r/{{1}}',
    )
    .option('--public-url <url>', 'base URL for link buttons (default: PUBLIC_URL)')
    .action((options: { publicUrl?: string }) => {
      const publicUrl = options.publicUrl ?? config().publicUrl;
      if (!publicUrl.startsWith('https://')) {
        process.stderr.write(`orderline: note: Meta approves only https:// button URLs; ${publicUrl} will not pass review.\n`);
      }
      printJson(catalogExport(publicUrl));
    });
}
