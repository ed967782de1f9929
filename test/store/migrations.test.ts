/**
 * Migrations on real SQLite and PostgreSQL: 008 gives tenants saved before `locale` existed
 * its default (a tenant that has one keeps it); a database a newer build migrated is refused
 * in words an operator can act on.
 */
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connect, migrate, MigrationError, type StoreConnection } from '../../src/store/connect.js';
import { migrations } from '../../src/store/migrations/index.js';
import { SqlTenantStore } from '../../src/store/tenant-repository.js';
import { databaseTargets, type TargetFactory } from '../support/databases.js';

/** A database of its own for the suite, not yet migrated: the test migrates it step by step. */
function unmigratedDatabase(factory: TargetFactory): () => StoreConnection {
  let connection: StoreConnection | undefined;
  let created: Awaited<ReturnType<TargetFactory['create']>> | undefined;
  beforeAll(async () => {
    created = await factory.create();
    connection = connect(created.target);
  });
  afterAll(async () => {
    await connection?.close();
    await created?.cleanup();
  });
  return () => connection!;
}

describe.each(databaseTargets())('migrations on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    const connection = unmigratedDatabase(factory);

    it('gives tenants stored before it the default locale and leaves a set one alone', async () => {
      const db = connection().db;
      const migrator = new Migrator({ db, provider: migrations, migrationTableName: 'orderline_migrations', migrationLockTableName: 'orderline_migrations_lock' });
      const before = await migrator.migrateTo('007-jobs-due-by-kind');
      expect(before.error).toBeUndefined();
      const row = (id: string, config: Record<string, unknown>) => ({
        id,
        name: id,
        config: JSON.stringify(config),
        secrets: '{}',
        phone_number_id: null,
        created_at: 0,
        updated_at: 0,
      });
      await db.insertInto('tenants').values([row('ten_old', { timezone: 'Asia/Kolkata', defaultCountry: 'IN' }), row('ten_set', { timezone: 'UTC', locale: 'de-DE' })]).execute();

      expect(await migrate(db)).toContain('008-tenant-locale');
      const tenants = new SqlTenantStore(db);
      expect((await tenants.get('ten_old'))?.settings).toEqual({ timezone: 'Asia/Kolkata', defaultCountry: 'IN', locale: 'en-IN' });
      expect((await tenants.get('ten_set'))?.settings).toEqual({ timezone: 'UTC', locale: 'de-DE' });
    });

    it('refuses a database a newer Orderline migrated, saying so', async () => {
      const db = connection().db;
      await migrate(db);
      await sql`insert into orderline_migrations (name, timestamp) values ('999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(db);
      const refused = migrate(db);
      await expect(refused).rejects.toBeInstanceOf(MigrationError);
      await expect(refused).rejects.toThrow('the database was migrated by a newer Orderline (migration 999-from-the-future is unknown to this version)');
      await sql`delete from orderline_migrations where name = '999-from-the-future'`.execute(db);
    });
  });
});

describe.each(databaseTargets())('migration 014 on $name', (factory) => {
  describe.skipIf(factory.skip)('', () => {
    const connection = unmigratedDatabase(factory);

    it('gives tenants stored before it a null WABA id in their settings, and the look-up by WABA id works once one is set', async () => {
      const db = connection().db;
      const migrator = new Migrator({ db, provider: migrations, migrationTableName: 'orderline_migrations', migrationLockTableName: 'orderline_migrations_lock' });
      expect((await migrator.migrateTo('013-parked-chains')).error).toBeUndefined();
      const whatsapp = { phoneNumberId: '1001', messagesPerSecond: 80 };
      await db
        .insertInto('tenants')
        .values({ id: 'ten_before', name: 'Before', config: JSON.stringify({ timezone: 'UTC', locale: 'en-IN', whatsapp }), secrets: '{}', phone_number_id: '1001', created_at: 0, updated_at: 0 })
        .execute();

      expect(await migrate(db)).toContain('014-tenant-business-account');
      const tenants = new SqlTenantStore(db);
      const before = await tenants.get('ten_before');
      expect(before?.settings.whatsapp).toEqual({ ...whatsapp, businessAccountId: null });
      expect(await tenants.findByBusinessAccountId('102290129340398')).toEqual([]);

      const moved = { ...before!, settings: { ...before!.settings, whatsapp: { ...before!.settings.whatsapp, businessAccountId: '102290129340398' } } };
      await tenants.update(moved);
      expect(await tenants.findByBusinessAccountId('102290129340398')).toEqual([moved]);
    });
  });
});
