/**
 * Brand backends for the brand tests, all on real HTTP at 127.0.0.1:
 * - `startReferenceServer`: the reference brand (src/brand/reference-server) in-process;
 * - `scriptedServer`: a deliberately broken or slow brand whose every answer the test
 *   scripts, recording each request exactly as it arrived (method, raw URL, headers, body);
 * - `startReferenceProcess`: the built reference server as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BrandStore } from '../../../src/brand/reference-server/brand-store.js';
import { buildBrandServer } from '../../../src/brand/reference-server/brand-server.js';
import { seedBrandStore } from '../../../src/brand/reference-server/seed-data.js';
import { REPO_ROOT, childEnv } from '../../support/process.js';

export const BRAND_KEY = 'brand-test-key-5f2c9e';

export interface RunningReference {
  url: string;
  store: BrandStore;
  close(): Promise<void>;
}

export async function startReferenceServer(options: { key?: string; now?: () => Date; seed?: boolean; file?: string } = {}): Promise<RunningReference> {
  const store = new BrandStore(options.file ?? ':memory:');
  if (options.seed ?? true) seedBrandStore(store);
  const app = await buildBrandServer({ key: options.key ?? BRAND_KEY, store, ...(options.now !== undefined ? { now: options.now } : {}) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    store,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

export interface RecordedRequest {
  method: string;
  /** The request target exactly as sent (still percent-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedAnswer {
  status?: number;
  /** A string is sent as is (broken JSON, empty bodies); anything else as JSON. */
  body?: unknown;
  /** Waits this long before answering (timeouts). */
  delayMs?: number;
}

export type Script = (request: RecordedRequest, index: number) => ScriptedAnswer;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces the script (e.g. a brand that recovers). */
  setScript(script: Script): void;
  close(): Promise<void>;
}

export async function scriptedServer(initial: Script): Promise<ScriptedServer> {
  let script = initial;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answer = script(recorded, requests.length - 1);
      const send = () => {
        const text = typeof answer.body === 'string' ? answer.body : answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (answer.delayMs === undefined) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setScript: (next) => {
      script = next;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const REFERENCE_JS = path.join(REPO_ROOT, 'dist', 'src', 'brand', 'reference-server', 'main.js');

export interface ReferenceProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts the built reference server (`npm run build` first) and waits for its "listening" line. */
export async function startReferenceProcess(args: string[], timeoutMs = 10_000): Promise<ReferenceProcess> {
  const child: ChildProcess = spawn(process.execPath, [REFERENCE_JS, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the reference server printed no "listening" line in ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /brand server listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the reference server exited early\n${out}\n${err}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
