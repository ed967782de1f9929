/**
 * The Node flags `npm start` runs the service with, read from package.json's `start` script,
 * so the benchmarks measure the service as it ships (today: a larger young generation, which
 * cut the dispatch benchmark's CPU per message by about 8%: fewer scavenges).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

export function serviceNodeFlags(): string[] {
  const { scripts } = JSON.parse(fs.readFileSync(PACKAGE, 'utf8')) as { scripts?: { start?: string } };
  const words = (scripts?.start ?? '').split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json "start" should run node, got: ${scripts?.start ?? '(none)'}`);
  const flags: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith('--')) break;
    flags.push(word);
  }
  return flags;
}
