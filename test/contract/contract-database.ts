/**
 * Shared set-up for the port contract suites: one migrated real database per suite (SQLite
 * in a temp file, or a throwaway PostgreSQL database), plus extra connections to the same
 * database for the concurrency contracts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config/config.js';
import { connect, migrate, type StoreConnection } from '../../src/store/connect.js';
import type { TargetFactory } from '../support/databases.js';
import { PG_ADMIN_URL } from '../support/postgres.js';

export interface ContractDatabase {
  readonly connection: StoreConnection;
  readonly target: DatabaseTarget;
  /** Another connection (its own pool / file handle) to the same database; closed by `close()`. */
  connectAgain(): StoreConnection;
  close(): Promise<void>;
}

export async function openContractDatabase(factory: TargetFactory): Promise<ContractDatabase> {
  const created = await factory.create();
  const connection = connect(created.target);
  const extra: StoreConnection[] = [];
  const close = async (): Promise<void> => {
    for (const c of extra) await c.close();
    await connection.close();
    if (created.target.kind === 'postgres') await backendsGone(created.target.url);
    await created.cleanup();
  };
  try {
    await migrate(connection.db);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    connection,
    target: created.target,
    connectAgain: () => {
      const c = connect(created.target);
      extra.push(c);
      return c;
    },
    close,
  };
}

/**
 * pg's Pool.end() resolves as soon as it has asked its clients to end, before their backends
 * have exited; the cleanup's DROP DATABASE … WITH (FORCE) would then kill those backends and
 * the closing clients report the FATAL 57P01 as an unhandled error. Wait until they are gone.
 */
async function backendsGone(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (let i = 0; i < 400; i++) {
      const { rows } = await admin.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      if (rows[0]?.n === 0) return;
      await delay(5);
    }
  } finally {
    await admin.end();
  }
}

/** A SHA-256 hex digest, the shape the stores keep for guest keys and bodies. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A name no other test in the same database uses. */
export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
