import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Two levels up from both src/app (tsx, tests) and dist/src/app is not the same place, so look for it.
function readVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'orderline' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
