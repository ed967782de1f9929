/** Benchmark settings; the env overrides exist for quick smoke runs. */
import os from 'node:os';
import { BODY_BYTES } from './order-body.js';

export interface Settings {
  connections: number;
  durationSec: number;
  rounds: number;
  warmupSec: number;
  bodyBytes: number;
  /** Directory for a `--cpu-prof` profile of the service, or null. */
  cpuProfDir: string | null;
  /** `serve --role`: `all` (API and worker, as `npm start`) or `api` (ingestion alone). */
  role: 'all' | 'api';
  /** Keep the temp dir (SQLite file) for inspection. */
  keepData: boolean;
  /** Write the section into bench/RESULTS.md (BENCH_WRITE_RESULTS=0: print it only, for trials). */
  writeResults: boolean;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"`);
  return Number(raw);
}

export function loadSettings(): Settings {
  const durationSec = positive('BENCH_DURATION', 10);
  const prof = process.env.BENCH_CPU_PROF?.trim();
  const role = process.env.BENCH_ROLE?.trim() || 'all';
  if (role !== 'all' && role !== 'api') throw new Error(`BENCH_ROLE must be all or api, got "${role}"`);
  return {
    connections: positive('BENCH_CONNECTIONS', 50),
    durationSec,
    rounds: positive('BENCH_ROUNDS', 3),
    warmupSec: positive('BENCH_WARMUP', Math.min(3, durationSec)),
    bodyBytes: BODY_BYTES,
    cpuProfDir: prof === undefined || prof === '' ? null : prof,
    role,
    keepData: process.env.BENCH_KEEP_DATA === '1',
    writeResults: process.env.BENCH_WRITE_RESULTS !== '0',
  };
}

export function isDefault(s: Settings): boolean {
  return s.connections === 50 && s.durationSec === 10 && s.rounds >= 3 && s.cpuProfDir === null;
}

export function describeMachine(): string {
  const cpus = os.cpus();
  const gib = (os.totalmem() / 1024 ** 3).toFixed(1);
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} x ${cpus.length}, ${gib} GiB RAM, ${os.type()} ${os.release()} (${os.arch()}), Node ${process.version}`;
}
