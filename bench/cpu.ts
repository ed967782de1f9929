/**
 * CPU time used during a run, to show which side saturated: the server (from
 * /proc/<pid>/stat, Linux only) and this process (autocannon, the load generator).
 */
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

function serverCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU time of each thread of a process, by thread id (empty when unknown). */
function threadCpuMs(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const ms = taskCpuMs(pid, tid);
    if (ms !== null) out.set(tid, ms);
  }
  return out;
}

function taskCpuMs(pid: number, tid: string): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Busy CPU time of the whole machine (all cores), or null. */
export function machineBusyMs(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
    const busy = t.reduce((a, b) => a + b, 0) - (t[3] ?? 0) - (t[4] ?? 0);
    return (busy * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU time of this process (all its threads). */
export const selfCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export interface CpuUse {
  serverPct: number;
  loadgenPct: number;
  /** Everything else on the machine (other processes): noise. */
  otherPct: number;
}

/** Starts measuring; the returned function gives CPU use in % of one core (NaN when unknown). */
export function measureCpu(pid: number | undefined): () => CpuUse {
  const wall = performance.now();
  const server = serverCpuMs(pid);
  const self = selfCpuMs();
  const machine = machineBusyMs();
  return () => {
    const pct = (ms: number) => (100 * ms) / (performance.now() - wall);
    const serverNow = serverCpuMs(pid);
    const machineNow = machineBusyMs();
    const serverPct = server === null || serverNow === null ? NaN : pct(serverNow - server);
    const loadgenPct = pct(selfCpuMs() - self);
    const otherPct = machine === null || machineNow === null ? NaN : Math.max(0, pct(machineNow - machine) - serverPct - loadgenPct);
    return { serverPct, loadgenPct, otherPct };
  };
}

export interface CpuShares {
  /** % of one core per named process (NaN when unknown). */
  processes: Record<string, number>;
  /** % of one core of each process's busiest threads, busiest first (those over 5%). */
  threads: Record<string, number[]>;
  /** This process (the load generator and the measurements). */
  benchPct: number;
  /** Everything else on the machine: noise. */
  otherPct: number;
  /** Wall time measured (ms). */
  elapsedMs: number;
}

/** Like measureCpu, for several named child processes at once. */
export function measureCpuOf(pids: Record<string, number | undefined>): () => CpuShares {
  const wall = performance.now();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, serverCpuMs(pid)]));
  const threadsBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, threadCpuMs(pid)]));
  const self = selfCpuMs();
  const machine = machineBusyMs();
  return () => {
    const elapsedMs = performance.now() - wall;
    const pct = (ms: number) => (100 * ms) / elapsedMs;
    const processes: Record<string, number> = {};
    const threads: Record<string, number[]> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const start = before[name];
      const now = serverCpuMs(pid);
      processes[name] = start === null || start === undefined || now === null ? NaN : pct(now - start);
      const earlier = threadsBefore[name] ?? new Map<string, number>();
      threads[name] = [...threadCpuMs(pid)]
        .map(([tid, ms]) => pct(ms - (earlier.get(tid) ?? 0)))
        .filter((p) => p > 5)
        .sort((a, b) => b - a);
    }
    const benchPct = pct(selfCpuMs() - self);
    const machineNow = machineBusyMs();
    const known = Object.values(processes).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) + benchPct;
    const otherPct = machine === null || machineNow === null ? NaN : Math.max(0, pct(machineNow - machine) - known);
    return { processes, threads, benchPct, otherPct, elapsedMs };
  };
}
