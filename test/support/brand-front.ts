/**
 * The brand's side of the wire in the assistant end-to-end tests: a transparent tap in front
 * of the reference brand server that records every request exactly as it arrived (the cancel
 * body, the key, the phone in the paths) and can be switched to misbehave the way real brands
 * do (slow, garbage, wrong shapes), without touching the brand server itself.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** The request target as sent (still percent-encoded). */
  url: string;
  key: string | undefined;
  body: string;
}

export type FrontMode =
  /** Forward to the brand server and hand its answer back. */
  | { kind: 'pass' }
  /** Forward, but only after `delayMs` (longer than the tenant's timeout). */
  | { kind: 'slow'; delayMs: number }
  /** 200 with an HTML page. */
  | { kind: 'garbage' }
  /** 200 with JSON that is none of the contract's shapes. */
  | { kind: 'wrong_shape' };

export class BrandFront {
  mode: FrontMode = { kind: 'pass' };
  readonly seen: SeenRequest[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<BrandFront> {
    const ready: { front?: BrandFront } = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const key = req.headers['x-guest-id'];
        const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', key: typeof key === 'string' ? key : undefined, body };
        ready.front?.handle(upstream, seen, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const front = new BrandFront(server, `http://127.0.0.1:${port}`);
    ready.front = front;
    return front;
  }

  private handle(upstream: string, seen: SeenRequest, res: http.ServerResponse): void {
    this.seen.push(seen);
    const mode = this.mode;
    const answer = (status: number, contentType: string, text: string) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, { 'content-type': contentType });
      res.end(text);
    };
    const forward = async () => {
      try {
        const headers: Record<string, string> = {};
        if (seen.key !== undefined) headers['x-guest-id'] = seen.key;
        if (seen.body !== '') headers['content-type'] = 'application/json';
        const upstreamReply = await fetch(`${upstream}${seen.url}`, { method: seen.method, headers, ...(seen.body === '' ? {} : { body: seen.body }) });
        answer(upstreamReply.status, upstreamReply.headers.get('content-type') ?? 'application/json', await upstreamReply.text());
      } catch {
        // The brand server is gone: so is the connection.
        res.destroy();
      }
    };
    switch (mode.kind) {
      case 'pass':
        void forward();
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void forward();
        }, mode.delayMs);
        this.timers.add(timer);
        return;
      }
      case 'garbage':
        answer(200, 'text/html', '<html><body>502 Bad Gateway (nginx)</body></html>');
        return;
      case 'wrong_shape':
        answer(200, 'application/json', JSON.stringify({ result: 'ok', data_v2: [{ order_ref: 'x' }] }));
        return;
    }
  }

  /** What reached the brand since `from`, as "METHOD url". */
  calls(from = 0): string[] {
    return this.seen.slice(from).map((s) => `${s.method} ${s.url}`);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
