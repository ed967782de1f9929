/**
 * The built service as a real child process: `node dist/src/main.js <command>` with an
 * explicit environment (nothing inherited but PATH and HOME) in a working directory of the
 * test's choosing. Build first (`npm run build`).
 *
 * Every child started here is tracked; call `stopAllChildren()` in afterEach/afterAll so a
 * failing test never leaves a server behind. A last-resort exit hook SIGKILLs leftovers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN_JS = path.join(REPO_ROOT, 'dist', 'src', 'main.js');
/** The installed `orderline` command (package.json "bin"); it loads MAIN_JS. */
export const BIN_JS = path.join(REPO_ROOT, 'bin', 'orderline.js');
/** The WhatsApp sandbox as its own process (src/whatsapp/sandbox/standalone.ts, built). */
export const SANDBOX_JS = path.join(REPO_ROOT, 'dist', 'src', 'whatsapp', 'sandbox', 'standalone.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Map<ChildProcess, Promise<Exit>>();

process.once('exit', () => {
  for (const child of live.keys()) child.kill('SIGKILL');
});

function assertBuilt(script: string): void {
  for (const file of new Set([MAIN_JS, script])) {
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run "npm run build" before the process tests`);
  }
}

/** A port that was free a moment ago (bound to 0 on 127.0.0.1, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not learn the port of a listening socket'));
      });
    });
  });
}

/** The child's whole environment: PATH and HOME from ours, then `env`. Nothing else leaks in. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  if (process.env.PATH !== undefined) base.PATH = process.env.PATH;
  if (process.env.HOME !== undefined) base.HOME = process.env.HOME;
  return { ...base, ...env };
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<Exit>;
  stdout: () => string;
  stderr: () => string;
}

function spawnMain(args: string[], cwd: string, env: Record<string, string>, script = MAIN_JS): Spawned {
  assertBuilt(script);
  const child = spawn(process.execPath, [script, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' (not 'exit'): the output pipes are drained by then.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  live.set(child, exited);
  void exited.finally(() => live.delete(child)).catch(() => undefined);
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** SIGKILLs every child still running and waits until each is gone. */
export async function stopAllChildren(): Promise<void> {
  const running = [...live.entries()];
  for (const [child] of running) child.kill('SIGKILL');
  await Promise.allSettled(running.map(([, exited]) => exited));
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `orderline <args>` to completion (`script` defaults to dist/src/main.js). */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number; script?: string },
): Promise<CliResult> {
  const run = spawnMain(args, options.cwd, options.env ?? {}, options.script);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`orderline ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`));
    }, timeoutMs);
  });
  try {
    const exit = await Promise.race([run.exited, timedOut]);
    return { ...exit, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

export interface ServiceProcess {
  /** The URL the service printed, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited and its output is drained. */
  readonly exited: Promise<Exit>;
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /** Sends a signal without waiting. */
  signal(signal: NodeJS.Signals): void;
}

const LISTENING = /listening on (http:\/\/\S+)/;

/**
 * Resolves with the URL once the child printed `pattern` (first group: the URL); SIGKILLs it
 * and rejects on timeout or an early exit. Returns the handle every started child gets.
 */
async function whenListening(run: Spawned, name: string, pattern: RegExp, timeoutMs: number): Promise<ServiceProcess> {
  const describe = () => `stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`;

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      run.child.kill('SIGKILL');
      reject(new Error(`${name} printed no "listening on" within ${timeoutMs} ms\n${describe()}`));
    }, timeoutMs);
    const check = () => {
      const match = pattern.exec(run.stdout());
      if (match?.[1] === undefined) return;
      finish();
      resolve(match[1]);
    };
    const finish = () => {
      clearTimeout(timer);
      run.child.stdout?.off('data', check);
    };
    // After a successful start this rejects an already settled promise: a no-op.
    run.exited.then((exit) => {
      finish();
      reject(new Error(`${name} exited before it was listening (${JSON.stringify(exit)})\n${describe()}`));
    }, reject);
    run.child.stdout?.on('data', check);
    check();
  });

  const signal = (sig: NodeJS.Signals) => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(sig);
  };
  return {
    url,
    port: Number(new URL(url).port),
    pid: run.child.pid ?? -1,
    stdout: run.stdout,
    stderr: run.stderr,
    exited: run.exited,
    signal,
    stop: async (sig: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 10_000) => {
      signal(sig);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          run.child.kill('SIGKILL');
          reject(new Error(`${name} did not exit within ${stopTimeoutMs} ms of ${sig}\n${describe()}`));
        }, stopTimeoutMs);
      });
      try {
        return await Promise.race([run.exited, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Starts `orderline serve [args]` and resolves once it printed `listening on <url>`. PORT is
 * chosen free unless `env` sets it.
 */
export async function startService(options: {
  cwd: string;
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
}): Promise<ServiceProcess> {
  const env = { ...options.env };
  env.PORT ??= String(await freePort());
  const run = spawnMain(['serve', ...(options.args ?? [])], options.cwd, env);
  return whenListening(run, 'orderline serve', LISTENING, options.timeoutMs ?? 15_000);
}

/**
 * Starts `orderline serve --role worker` and resolves once it said where sandbox messages go
 * (a worker listens nowhere; the handle's `url` is that address, PUBLIC_URL).
 */
export async function startWorker(options: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<ServiceProcess> {
  const env = { ...options.env };
  env.PORT ??= String(await freePort());
  const run = spawnMain(['serve', '--role', 'worker'], options.cwd, env);
  return whenListening(run, 'orderline worker', /messages go to (http:\/\/\S+)/, options.timeoutMs ?? 15_000);
}

/** The standalone sandbox's options (see src/whatsapp/sandbox/README.md, Standalone). */
export interface SandboxOptions {
  webhookUrl: string;
  appSecret: string;
  accessToken: string;
  phoneNumberId: string;
  /** Default 0: any free port. */
  port?: number;
  tenantId?: string;
  /** Waits before sent, delivered and read (ms). */
  delays?: [number, number, number];
  statusBatchMs?: number;
  noRead?: boolean;
  logLevel?: string;
}

export interface SandboxProcess extends ServiceProcess {
  /** What to give a sender as its Graph URL: `{url}/sandbox/graph`. */
  readonly graphUrl: string;
}

/**
 * Starts the WhatsApp sandbox as its own process (`node dist/src/whatsapp/sandbox/standalone.js`)
 * on 127.0.0.1 and resolves once it printed `sandbox listening on <url>`. Tracked like every
 * other child: `stopAllChildren()` ends it.
 */
export async function startSandboxProcess(options: SandboxOptions & { cwd: string; timeoutMs?: number }): Promise<SandboxProcess> {
  const args = [
    ...['--port', String(options.port ?? 0), '--host', '127.0.0.1'],
    ...['--webhook-url', options.webhookUrl, '--app-secret', options.appSecret],
    ...['--access-token', options.accessToken, '--phone-number-id', options.phoneNumberId],
    ...['--log-level', options.logLevel ?? 'warn'],
  ];
  if (options.tenantId !== undefined) args.push('--tenant-id', options.tenantId);
  if (options.delays !== undefined) args.push('--delays', options.delays.join(','));
  if (options.statusBatchMs !== undefined) args.push('--status-batch-ms', String(options.statusBatchMs));
  if (options.noRead === true) args.push('--no-read');
  const run = spawnMain(args, options.cwd, {}, SANDBOX_JS);
  const handle = await whenListening(run, 'the standalone sandbox', /sandbox listening on (http:\/\/\S+)/, options.timeoutMs ?? 15_000);
  return { ...handle, graphUrl: `${handle.url}/sandbox/graph` };
}

/** Polls `probe` until it returns a value other than undefined, or fails after the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/** The stdout lines that are JSON log records (pino writes one object per line). */
export function jsonLogLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith('{'));
}

/** True when the text holds a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(\(|:\d+)/m.test(text);
}
