/**
 * Server child processes: started with the orphan guard, ready once they print
 * `listening on <url>`, and all killed when the benchmark ends, fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const GUARD = new URL('./orphan-guard.js', import.meta.url).href;
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
const TAIL_CHARS = 4000;

export interface ServerChild {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** The last few KB of stdout and stderr, for error messages. */
  output(): string;
  /** Throws (with the child's last output) if it has exited. */
  assertRunning(): void;
}

const running = new Set<ChildProcess>();

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function startServer(
  name: string,
  script: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; nodeFlags?: string[]; startTimeoutMs?: number },
): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--enable-source-maps', ...(options.nodeFlags ?? []), '--import', GUARD, script, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));

  let tail = '';
  let seen = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stderr?.on('data', keep);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${options.startTimeoutMs ?? 20_000} ms`)), options.startTimeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      keep(chunk);
      seen = (seen + chunk.toString('utf8')).slice(-TAIL_CHARS);
      const match = LISTENING.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new Error(`${name} exited during start-up (${signal ?? `code ${code}`}):\n${tail}`));
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      reject(error);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', fail);
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  // Keep draining stdout so a chatty child never blocks on a full pipe.
  child.stdout?.on('data', keep);
  return {
    name,
    url,
    process: child,
    output: () => tail,
    assertRunning: () => {
      if (exited(child)) throw new Error(`${name} exited unexpectedly (${child.signalCode ?? `code ${child.exitCode}`})`);
    },
  };
}

/** Sends `signal`, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopServer(server: ServerChild, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  const child = server.process;
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Synchronous last resort (also safe inside `process.on('exit')`). */
export function killAllServers(): void {
  for (const child of running) {
    if (!exited(child)) child.kill('SIGKILL');
  }
  running.clear();
}

const cleanups = new Set<() => void>();
let cleanupInstalled = false;

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the remaining cleanups still run.
    }
  }
  cleanups.clear();
}

/**
 * Kills children on normal exit, on SIGINT/SIGTERM/SIGHUP and on a crash, then runs
 * `onSignal` (e.g. removing a temp dir). Several benchmarks in one process may each call it:
 * the handlers are installed once and every callback runs; the returned function removes
 * this callback again (when that benchmark has cleaned up itself).
 */
export function installCleanup(onSignal: () => void): () => void {
  cleanups.add(onSignal);
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.once('exit', killAllServers);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
        killAllServers();
        runCleanups();
        process.exit(130);
      });
    }
    process.once('uncaughtException', (error) => {
      process.stderr.write(`bench: uncaught ${error.stack ?? error.message}\n`);
      killAllServers();
      runCleanups();
      process.exit(1);
    });
  }
  return () => {
    cleanups.delete(onSignal);
  };
}
