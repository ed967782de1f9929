/**
 * Read-only looks at the service's database between the cart-timer benchmark's phases: the
 * file and b-tree sizes (what a pending reminder costs on disk), the pending reminder count, and
 * the checks at the end (one message per surviving cart, none per cancelled one). Kept apart so
 * the phases themselves read as what they do to the service, not how it is inspected.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/store/schema.js';
import { CART_REMINDER_JOB } from '../src/use-cases/recover-carts.js';
import type { PlannedCart } from './carts-fixtures.js';
import type { CartMessages } from './carts-firing.js';
import type { Checks, StorageRow } from './carts-report.js';

type Db = Kysely<Database>;

export async function fileBytes(db: Db): Promise<number> {
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(db);
  return Number(pages.rows[0]?.page_count ?? 0) * Number(size.rows[0]?.page_size ?? 0);
}

export async function btrees(db: Db): Promise<(StorageRow & { table: string })[]> {
  const rows = await sql<{ name: string; tbl: string; bytes: number; payload: number }>`
    select d.name as name, m.tbl_name as tbl, sum(d.pgsize) as bytes, sum(d.payload) as payload
    from dbstat d join sqlite_master m on m.name = d.name
    group by d.name order by bytes desc`.execute(db);
  return rows.rows.map((r) => ({ name: r.name, table: r.tbl, bytes: Number(r.bytes), payload: Number(r.payload) }));
}

export async function pendingReminders(db: Db): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', CART_REMINDER_JOB)
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function checksAtEnd(db: Db, carts: readonly PlannedCart[], messages: CartMessages, pending: { afterSchedule: number; afterCancel: number }): Promise<Checks> {
  const states = await db.selectFrom('carts').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
  const jobs = await db.selectFrom('jobs').select(['kind', 'state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['kind', 'state']).execute();
  const checks: Checks = {
    pendingAfterSchedule: pending.afterSchedule,
    pendingAfterCancel: pending.afterCancel,
    cartsByState: Object.fromEntries(states.map((r) => [r.state, Number(r.n)])),
    survivorsWithOne: 0,
    survivorsWithNone: 0,
    survivorsWithMore: 0,
    cancelledWithAny: 0,
    jobsLeft: Object.fromEntries(jobs.map((r) => [`${r.kind} ${r.state}`, Number(r.n)])),
  };
  for (const c of carts) {
    const m = messages.get(c.token);
    if (c.cancelled) {
      if (m !== undefined) checks.cancelledWithAny += 1;
    } else if (m === undefined) {
      checks.survivorsWithNone += 1;
    } else if (m.count === 1 && m.state !== 'skipped') {
      checks.survivorsWithOne += 1;
    } else {
      checks.survivorsWithMore += 1;
    }
  }
  return checks;
}
