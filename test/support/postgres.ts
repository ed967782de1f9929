/**
 * Throwaway PostgreSQL databases for tests. Each suite gets its own database, dropped at the
 * end. Without a server, suites skip with a clear message; under CI=true that is a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.ORDERLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DB_PREFIX = 'orderline_test_';

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Waits (briefly) for a database's connections to finish closing, so a forced drop kills none. */
async function waitForIdle(client: pg.Client, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name]);
    if (rows[0]?.n === '0') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // The creation time in the name lets a later run drop only databases that are surely abandoned.
  const name = `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      admin(async (c) => {
        await waitForIdle(c, name);
        await c.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

/** Drops databases left behind by killed runs: only those over an hour old, never a concurrent run's. */
export async function dropLeftoverDatabases(): Promise<void> {
  const cutoff = Math.floor(Date.now() / 1000) - 3600;
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database where datname like '${TEST_DB_PREFIX}%'`,
    );
    for (const row of rows) {
      const created = Number(row.datname.slice(TEST_DB_PREFIX.length).split('_')[0]);
      if (!Number.isFinite(created) || created < cutoff) await c.query(`drop database if exists ${row.datname} with (force)`);
    }
  });
}
