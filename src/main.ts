/**
 * The `orderline` command: `serve`, `migrate`, `tenants …`. Errors the user can fix print
 * one clear line and exit 1; nothing prints a stack trace for a bad input.
 */
import { failureBody, type FailureBody } from './http/envelope.js';
import { Command, Option } from 'commander';
import { VERSION } from './app/version.js';
import { registerBrandCheckCommand } from './cli/brand-check.js';
import { registerEventCommands } from './cli/events.js';
import { registerTemplateCommands } from './cli/templates.js';
import { OptionError } from './cli/option-error.js';
import { printJson } from './cli/output.js';
import { registerTenantCommands } from './cli/tenants.js';
import { serve, type Role } from './cli/serve.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { connect, migrate, MigrationError } from './store/connect.js';
import { ConflictError, InvalidInputError, NotFoundError } from './use-cases/errors.js';

let loaded: Config | undefined;
const config = (): Config => (loaded ??= loadConfig());

const program = new Command()
  .name('orderline')
  .description('WhatsApp order notifications and order assistant for online stores')
  .version(VERSION);

program
  .command('serve')
  .description('run the service (API, worker, or both) on the configured database')
  .addOption(new Option('--role <role>', 'what this process runs').choices(['api', 'worker', 'all']).default('all'))
  .action(async (options: { role: Role }) => serve(config(), options.role));

program
  .command('migrate')
  .description('bring the database schema up to date')
  .action(async () => {
    // Only the schema: no tenant secret is sealed or opened, so PostgreSQL needs no
    // ORDERLINE_SECRET here and SQLite gets no secret.key written beside its file.
    const { database } = loadConfig(process.env, process.cwd(), { secretRequired: false });
    const connection = connect(database);
    try {
      const applied = await migrate(connection.db);
      process.stdout.write(
        applied.length === 0 ? 'Database is up to date.\n' : `Applied migrations: ${applied.join(', ')}\n`,
      );
    } finally {
      await connection.close();
    }
  });

registerTenantCommands(program, config);
registerTemplateCommands(program, config);
registerEventCommands(program, config);
registerBrandCheckCommand(program, config);

function explain(error: unknown): string | undefined {
  if (error instanceof ConfigError) return `Configuration error: ${error.message}`;
  if (error instanceof InvalidInputError) return `Invalid input: ${error.issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`;
  if (error instanceof NotFoundError || error instanceof ConflictError || error instanceof MigrationError) return error.message;
  if (error instanceof SyntaxError) return `Invalid JSON: ${error.message}`;
  if (error instanceof Error && /^--/.test(error.message)) return error.message;
  return undefined;
}

/** With --json, a refusal is printed as the admin API answers it (the envelope), besides the line on stderr. */
function envelopeOf(error: unknown): FailureBody | undefined {
  if (error instanceof InvalidInputError) return failureBody('badPayload', { details: error.issues });
  if (error instanceof OptionError) return failureBody('badPayload', { details: [error.issue] });
  if (error instanceof NotFoundError) return failureBody('notFound', { message: error.message });
  if (error instanceof ConflictError) return failureBody('conflict', { message: error.message });
  return undefined;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  const envelope = process.argv.includes('--json') ? envelopeOf(error) : undefined;
  if (envelope !== undefined) printJson(envelope);
  const message = explain(error);
  if (message !== undefined) {
    process.stderr.write(`orderline: ${message}\n`);
  } else {
    process.stderr.write(`orderline: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
