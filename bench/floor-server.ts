/**
 * The storage floor: the baseline's route and schema plus the least work that makes a 200
 * durable, and nothing else. Each request's raw body goes into one SQLite table (WAL,
 * synchronous=NORMAL, checkpoints on a thread of their own, as the service does); requests
 * that arrive in the same turn of the event loop share one commit, and each is answered
 * after it. No guest key, no normalising, no duplicates or revisions, no outbox job.
 *
 * It shows how much of the baseline's throughput is left once an answer waits for a commit
 * on this machine: the headroom every design of the real service starts from.
 * Env: PORT (0 = any free port), FLOOR_DB (the SQLite file). Prints `floor listening on <url>`.
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
// The service's own 200 and its schema, so all servers serialise the answer the same way.
import { SUCCESS, SuccessSchema } from '../src/http/envelope.js';
import { GUEST_BODY_SCHEMAS } from '../src/http/guest-schemas.js';
import { AUTOCHECKPOINT_PAGES, startCheckpointer } from '../src/store/sqlite-checkpointer.js';

const file = process.env.FLOOR_DB ?? 'floor.db';
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
db.exec('CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, raw_body TEXT NOT NULL)');
const checkpointer = startCheckpointer(file, (error) => process.stderr.write(`${error.message}\n`));

interface Pending {
  orderId: string;
  rawBody: string;
  answer: () => void;
}
const insert = db.prepare('INSERT OR IGNORE INTO events (order_id, raw_body) VALUES (?, ?)');
const commit = db.transaction((rows: Pending[]) => {
  for (const row of rows) insert.run(row.orderId, row.rawBody);
});
let pending: Pending[] = [];
function flush(): void {
  const rows = pending;
  pending = [];
  commit(rows);
  for (const row of rows) row.answer();
}

const app = Fastify({ logger: false });
const rawBodies = new WeakMap<object, string>();
app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  rawBodies.set(request, text);
  try {
    done(null, JSON.parse(text));
  } catch (error) {
    done(error instanceof Error ? error : new Error(String(error)), undefined);
  }
});
app.post(
  '/orders-create',
  { schema: { body: GUEST_BODY_SCHEMAS['/orders-create'], response: { 200: SuccessSchema } } },
  (request) =>
    new Promise((resolve) => {
      if (pending.length === 0) setImmediate(flush);
      const { id } = request.body as { id: string | number };
      pending.push({ orderId: String(id), rawBody: rawBodies.get(request) ?? '', answer: () => resolve(SUCCESS) });
    }),
);

const address = await app.listen({ port: Number(process.env.PORT ?? '0'), host: '127.0.0.1' });
process.stdout.write(`floor listening on ${address}\n`);

const stop = () => {
  void app
    .close()
    .then(() => checkpointer.stop())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
