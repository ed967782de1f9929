/** CLI output: `--json` prints exactly what the admin API would return; otherwise a short table. */
import type { Static, TSchema } from '@sinclair/typebox';
import { answerPruner } from '../http/answer-serializer.js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** What the admin API answers with `schema`, written as it writes it: nothing the schema does not name. */
export function printAnswer<T extends TSchema>(schema: T, value: Static<T>): void {
  printJson(answerPruner(schema)(value));
}

export function printLines(lines: string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}
