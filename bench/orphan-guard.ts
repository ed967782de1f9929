/**
 * Preloaded into every benchmark child (`node --import …/orphan-guard.js`): the parent holds
 * the child's stdin pipe, so when the parent dies (even by SIGKILL) the pipe closes and the
 * child exits instead of lingering as an orphan.
 */
const stdin = process.stdin;
stdin.on('end', () => process.exit(70));
stdin.on('close', () => process.exit(70));
stdin.on('error', () => process.exit(70));
stdin.resume();
// The guard alone must not keep a child alive that would otherwise exit.
stdin.unref();
