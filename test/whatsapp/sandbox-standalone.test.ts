/**
 * The standalone sandbox process (`node dist/src/whatsapp/sandbox/standalone.js`): it starts,
 * announces its URL, accepts a send from CloudApiSender and delivers signed webhooks to a
 * local receiver. Needs `npm run build` (skipped when the build is absent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudApiSender } from '../../src/whatsapp/cloud-api-sender.js';
import { validSignature, WebhookReceiver } from './support/webhook-receiver.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STANDALONE = path.join(ROOT, 'dist', 'src', 'whatsapp', 'sandbox', 'standalone.js');
const built = fs.existsSync(STANDALONE);

const SECRET = 'standalone-secret';
const TOKEN = 'standalone-token';
const PHONE_ID = '200000000000002';

let child: ChildProcess | undefined;
let receiver: WebhookReceiver;
let baseUrl = '';
let output = '';

async function started(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox did not start: ${output}`)), 15_000);
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /sandbox listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited with ${code}: ${output}`));
    });
  });
}

describe.skipIf(!built)('standalone sandbox process', () => {
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    child = spawn(
      process.execPath,
      [
        STANDALONE,
        ...['--port', '0', '--host', '127.0.0.1', '--webhook-url', receiver.url, '--app-secret', SECRET],
        ...['--access-token', TOKEN, '--phone-number-id', PHONE_ID, '--tenant-id', 'solo', '--no-read', '--delays', '5,5,5'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    baseUrl = await started(child);
  });

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await receiver.close();
  });

  it('accepts a send and delivers signed status webhooks (no read: --no-read)', async () => {
    // The customer writes first: a text reaches them only inside their customer-service window.
    const wrote = await request(`${baseUrl}/sandbox/tenants/solo/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+919812345678', text: 'where is my order?' }),
    });
    expect(wrote.statusCode).toBe(200);
    await wrote.body.dump();
    await receiver.waitFor(1);
    receiver.clear();
    const sender = new CloudApiSender({ apiVersion: 'v21.0' });
    const outcome = await sender.send(
      { tenantId: 'solo', graphUrl: `${baseUrl}/sandbox/graph`, phoneNumberId: PHONE_ID, accessToken: TOKEN },
      { messaging_product: 'whatsapp', to: '919812345678', type: 'text', text: { body: 'hello from the test' } },
    );
    await sender.close();
    expect(outcome.kind).toBe('accepted');
    const hooks = await receiver.waitFor(2);
    expect(hooks.every((h) => validSignature(h, SECRET))).toBe(true);
    expect(hooks.map((h) => /"status":"(\w+)"/.exec(h.raw)?.[1])).toEqual(['sent', 'delivered']);
    expect(hooks[0]?.raw).toContain(`"phone_number_id":"${PHONE_ID}"`);
  });

  it('plays the customer with open operator routes', async () => {
    receiver.clear();
    const response = await request(`${baseUrl}/sandbox/tenants/solo/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+919812345678', text: 'hi' }),
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ webhookStatus: 200 });
    const [hook] = await receiver.waitFor(1);
    expect(hook && validSignature(hook, SECRET)).toBe(true);
    expect(hook?.raw).toContain('"text":{"body":"hi"}');
  });
});
