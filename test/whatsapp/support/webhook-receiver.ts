/**
 * A stand-in for Orderline's webhook endpoint: a plain node:http server on 127.0.0.1 that
 * keeps every POST's exact bytes and headers, and answers with the statuses a test queues
 * (200 when none is queued).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  raw: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The status this receiver answered with. */
  answered: number;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly answers: number[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(path = '/webhooks/whatsapp'): Promise<WebhookReceiver> {
    // The handler needs the receiver, which needs the server's port: a holder breaks the loop.
    const holder: { receiver?: WebhookReceiver } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => holder.receiver?.take(Buffer.concat(chunks).toString('utf8'), req.headers, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`);
    return holder.receiver;
  }

  /** The next POSTs are answered with these statuses, in order. */
  answerWith(...statuses: number[]): void {
    this.answers.push(...statuses);
  }

  private take(raw: string, headers: IncomingHttpHeaders, res: http.ServerResponse): void {
    const answered = this.answers.shift() ?? 200;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    this.received.push({ raw, headers, body, answered });
    res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'EVENT_RECEIVED' : 'no');
    this.waiters = this.waiters.filter((w) => {
      if (this.received.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `count` webhooks have arrived (the timeout only guards against a hang). */
  async waitFor(count: number, timeoutMs = 5_000): Promise<ReceivedWebhook[]> {
    if (this.received.length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited for ${count} webhooks, got ${this.received.length}`)), timeoutMs);
        this.waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.received.slice(0, count);
  }

  clear(): void {
    this.received.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Whether `X-Hub-Signature-256` is the HMAC of exactly these bytes with `secret`. */
export function validSignature(webhook: ReceivedWebhook, secret: string): boolean {
  const header = webhook.headers['x-hub-signature-256'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(webhook.raw).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
