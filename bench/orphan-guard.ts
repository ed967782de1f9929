/**
 * Preloaded into every benchmark child (`node --import …/orphan-guard.js`): the parent holds
 * the child's stdin pipe, so when the parent dies (even by SIGKILL) the pipe closes and the
 * child exits instead of lingering as an orphan.
 * Worker threads run the preload too (they inherit `--import`); the main thread guards them all.
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const stdin = process.stdin;
  stdin.on('end', () => process.exit(70));
  stdin.on('close', () => process.exit(70));
  stdin.on('error', () => process.exit(70));
  stdin.resume();
  // The guard alone must not keep a child alive that would otherwise exit.
  stdin.unref();
}
