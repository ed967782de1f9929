/**
 * What-ifs for the findings, measured at full scale on the service's own database with
 * read-only queries (the state is unchanged) — not the shipped code, which the statement trace
 * (bench/carts-sql.ts) shows: the cart lookup of `openForOrder` with the tenant inside each OR
 * branch, and the pending-job-by-key lookup of `SqlCartStore.save` with the partial index's own
 * predicate. Each comes with SQLite's query plan.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../src/store/schema.js';
import { cartJobKey } from '../src/use-cases/recover-carts.js';
import type { PlannedCart } from './carts-fixtures.js';
import { distribution, Samples, type Distribution } from './carts-stats.js';

export interface Probe {
  name: string;
  /** The statement's shape, for the report. */
  statement: string;
  plan: string[];
  ms: Distribution;
}

async function planOf(db: Kysely<Database>, query: CompiledQuery): Promise<string[]> {
  const result = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
  return result.rows.map((r) => r.detail);
}

async function time<T>(samples: readonly T[], run: (item: T) => Promise<unknown>): Promise<Distribution> {
  const latencies = new Samples(samples.length);
  for (const item of samples) {
    const t = performance.now();
    await run(item);
    latencies.push(performance.now() - t);
  }
  return distribution(latencies.values());
}

const OPEN = ['pending', 'reminded'];

function lookupTenantInBranches(db: Kysely<Database>, tenantId: string, p: PlannedCart) {
  return db
    .selectFrom('carts')
    .selectAll()
    .where('state', 'in', OPEN)
    .where((eb) =>
      eb.or([
        eb.and([eb('tenant_id', '=', tenantId), eb('token', '=', p.token)]),
        eb.and([eb('tenant_id', '=', tenantId), eb('cart_key', '=', p.token)]),
        eb.and([eb('tenant_id', '=', tenantId), eb('cart_token', '=', p.cartToken)]),
        eb.and([eb('tenant_id', '=', tenantId), eb('cart_key', '=', p.cartToken)]),
        eb.and([eb('tenant_id', '=', tenantId), eb('customer', '=', p.phone.slice(1)), eb('cart_time', '>=', 0)]),
      ]),
    );
}

const pendingByKeyIndexed = (db: Kysely<Database>, key: string) =>
  db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_key', '=', key)
    .where('state', '=', 'pending')
    .where('state', '<>', 'dead');

export async function runWhatIfs(db: Kysely<Database>, tenantId: string, samples: readonly PlannedCart[]): Promise<Probe[]> {
  const first = samples[0];
  if (first === undefined) return [];
  const key = (p: PlannedCart) => cartJobKey(tenantId, p.token);
  return [
    {
      name: 'cart lookup for an order with the tenant inside each OR branch',
      statement: 'state IN (…) AND ((tenant_id = ? AND token = ?) OR (tenant_id = ? AND cart_key = ?) OR … OR (tenant_id = ? AND customer = ? AND cart_time >= ?))',
      plan: await planOf(db, lookupTenantInBranches(db, tenantId, first).compile()),
      ms: await time(samples, (p) => lookupTenantInBranches(db, tenantId, p).execute()),
    },
    {
      name: "pending job by key with the partial index's predicate added (timed as a count)",
      statement: "job_key = ? AND state = 'pending' AND state <> 'dead'",
      plan: await planOf(db, db.deleteFrom('jobs').where('job_key', '=', key(first)).where('state', '=', 'pending').where('state', '<>', 'dead').compile()),
      ms: await time(samples, (p) => pendingByKeyIndexed(db, key(p)).execute()),
    },
  ];
}
