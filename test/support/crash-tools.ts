/**
 * What the crash end-to-end test needs beyond the service's APIs: a slow network in front of
 * Meta, so a SIGKILL lands while sends are in flight; a look into the database while no
 * service runs; and enough concurrency to queue hundreds of orders quickly.
 */
import http from 'node:http';
import BetterSqlite3 from 'better-sqlite3';

/**
 * A slow network in front of the standalone sandbox: each request is forwarded at once (so
 * Meta has the message) and its answer handed back `latencyMs` later. A SIGKILL of the
 * service then lands while sends are in flight: Meta accepted them, the answer is lost.
 */
export class MetaLatency {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string, latencyMs: number): Promise<MetaLatency> {
    const upstream = new URL(target);
    const agent = new http.Agent({ keepAlive: true });
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const forward = http.request(
          { agent, host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => body.push(chunk));
            answer.on('end', () => {
              setTimeout(() => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(Buffer.concat(body));
              }, latencyMs);
            });
          },
        );
        forward.on('error', () => res.destroy());
        forward.end(Buffer.concat(chunks));
      });
    });
    server.on('close', () => agent.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('the latency proxy has no port');
    return new MetaLatency(server, `http://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the database holds at a moment when no service runs. */
export function snapshot(file: string, tenantId: string): { messages: Record<string, number>; jobs: Record<string, number> } {
  const db = new BetterSqlite3(file, { fileMustExist: true, readonly: true });
  try {
    const count = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));
    return {
      messages: count(db.prepare('select state as k, count(*) as n from messages where tenant_id = ? group by state').all(tenantId) as { k: string; n: number }[]),
      jobs: count(db.prepare("select kind || ':' || state as k, count(*) as n from jobs group by kind, state").all() as { k: string; n: number }[]),
    };
  } finally {
    db.close();
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function eachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
