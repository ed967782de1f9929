// temp A/B driver (not committed)
import { spawn } from 'node:child_process';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { runLoad } from './dist/bench/load.js';
import { OrderBodies } from './dist/bench/order-body.js';
import { AnswerLedger } from './dist/bench/ledger.js';
const role = process.argv[2] ?? 'all'; const secs = Number(process.argv[3] ?? 10);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-'));
const port = 38000 + Math.floor(Math.random() * 1000);
const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `file:${dir}/o.db`, ADMIN_TOKEN: 'abtoken-0123456789abcdef', ORDERLINE_SECRET: 'x'.repeat(40), LOG_LEVEL: 'warn', ...(process.env.EXTRA ? JSON.parse(process.env.EXTRA) : {}) };
const child = spawn(process.execPath, ['--max-semi-space-size=64', ...(process.env.NODE_PRE ? ['--import', process.env.NODE_PRE] : []), ...(process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : []), 'dist/src/main.js', 'serve', '--role', role], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) { try { await fetch(url + '/healthz'); break; } catch { await new Promise(r => setTimeout(r, 200)); } }
const t = await (await fetch(url + '/admin/tenants', { method: 'POST', headers: { authorization: 'Bearer abtoken-0123456789abcdef', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'AB' }) })).json();
const target = { name: role, url, headers: { 'x-guest-id': t.guestKey }, bodies: new OrderBodies(), ledger: new AnswerLedger(), pid: child.pid };
const w = await runLoad(target, 50, 3);
const r = await runLoad(target, 50, secs);
console.log(role, 'warm', Math.round(w.reqPerSec), w.p99Ms.toFixed(1), '| run', Math.round(r.reqPerSec), 'p50', r.p50Ms.toFixed(1), 'p99', r.p99Ms.toFixed(1), 'cpu', Math.round(r.serverCpuPct), Math.round(r.loadgenCpuPct));
const m = await (await fetch(url + '/metrics')).text(); console.log(m.split('\n').filter(l => /^orderline_(events_held_back|queue_depth|jobs|messages_total|events_total)/.test(l)).join('\n'));
child.kill('SIGTERM'); await new Promise(r => child.on('exit', r)); fs.rmSync(dir, { recursive: true, force: true });
