/** `orderline templates export`: the default templates as Meta's template-creation API takes them. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config/config.js';
import { catalogExport } from '../domain/templates/default-catalog.js';
import { printJson } from './output.js';

/** A base URL the redirect path can be appended to: http(s), no query or fragment (they would swallow /r/{{1}}). */
function baseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http(s) URL such as https://orderline.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('must be an http(s) URL such as https://orderline.example.com');
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    throw new InvalidArgumentError('must not have a query or fragment: the button URL is this base followed by /r/{{1}}');
  }
  return value;
}

export function registerTemplateCommands(program: Command, config: () => Config): void {
  const templates = program.command('templates').description('the default WhatsApp templates');
  templates
    .command('export')
    .description(
      'print the default templates as POST /{waba-id}/message_templates bodies (JSON array); URL buttons point at PUBLIC_URL/r/{{1}}',
    )
    .option('--public-url <url>', 'base URL for link buttons (default: PUBLIC_URL)', baseUrl)
    .action((options: { publicUrl?: string }) => {
      const publicUrl = options.publicUrl ?? config().publicUrl;
      if (!publicUrl.startsWith('https://')) {
        process.stderr.write(`orderline: note: Meta approves only https:// button URLs; ${publicUrl} will not pass review.\n`);
      }
      printJson(catalogExport(publicUrl));
    });
}
