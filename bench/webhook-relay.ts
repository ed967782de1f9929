/**
 * Sits between the sandbox and the service's `POST /webhooks/whatsapp`: the sandbox is
 * configured with this relay's URL, and the relay passes every webhook on byte for byte
 * (signature header included) and answers with the service's answer. During a baseline run
 * it answers 200 itself instead: the bare client's messages are no business of the service,
 * and their statuses (for wamids the service never sent) would otherwise pile up in its
 * `message_statuses` table and disturb the runs that follow (see RESULTS.md, Dispatch).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export type RelayMode = 'forward' | 'swallow';

export class WebhookRelay {
  mode: RelayMode = 'forward';
  forwarded = 0;
  swallowed = 0;
  failures = 0;
  private readonly server: http.Server;
  private readonly pool: Pool;

  private constructor(target: string) {
    this.pool = new Pool(target, { connections: 16, pipelining: 1, keepAliveTimeout: 30_000 });
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => void this.handle(request, Buffer.concat(chunks), response));
    });
  }

  static async start(target: string): Promise<WebhookRelay> {
    const relay = new WebhookRelay(target);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  private async handle(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): Promise<void> {
    if (this.mode === 'swallow') {
      this.swallowed++;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-hub-signature-256', 'user-agent']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await this.pool.request({ path: request.url ?? '/', method: request.method === 'GET' ? 'GET' : 'POST', headers, body });
      const text = await answer.body.text();
      this.forwarded++;
      if (answer.statusCode >= 300) this.failures++;
      response.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'text/plain') }).end(text);
    } catch {
      this.failures++;
      response.writeHead(502).end();
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.pool.close();
  }
}
