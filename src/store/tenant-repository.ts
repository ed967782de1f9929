import type { Kysely, Selectable } from 'kysely';
import type { Page, PageRequest } from '../domain/ports/page.js';
import {
  PhoneNumberIdTakenError,
  type GuestKeyMatch,
  type SealedSecrets,
  type SecretName,
  type StoredTenant,
  type TenantStore,
} from '../domain/ports/tenant-store.js';
import type { TenantSettings } from '../domain/tenants/tenant-settings.js';
import { toPage } from './paging.js';
import { prepareQuery } from './prepared-query.js';
import type { Database, TenantsTable } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

function toRow(t: StoredTenant): Omit<TenantsTable, 'sending_paused'> {
  return {
    id: t.id,
    name: t.name,
    config: JSON.stringify(t.settings),
    secrets: JSON.stringify(t.sealedSecrets),
    phone_number_id: t.settings.whatsapp.phoneNumberId,
    business_account_id: t.settings.whatsapp.businessAccountId,
    created_at: t.createdAt.getTime(),
    updated_at: t.updatedAt.getTime(),
  };
}

function fromRow(row: Selectable<TenantsTable>): StoredTenant {
  return {
    id: row.id,
    name: row.name,
    settings: JSON.parse(row.config) as TenantSettings,
    sealedSecrets: JSON.parse(row.secrets) as SealedSecrets,
    sendingPaused: row.sending_paused,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class SqlTenantStore implements TenantStore {
  /** Every message reads its tenant: compiled once (see prepared-query.ts). */
  private readonly getTenant;

  constructor(private readonly db: Kysely<Database>) {
    this.getTenant = prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('tenants').selectAll().where('id', '=', p.id));
  }

  async create(tenant: StoredTenant, guestKeyHash: string): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('tenants').values(toRow(tenant)).execute();
        await trx
          .insertInto('guest_keys')
          .values({ key_hash: guestKeyHash, tenant_id: tenant.id, created_at: tenant.createdAt.getTime(), valid_until: null })
          .execute();
      });
    } catch (error) {
      throw this.translate(error, tenant);
    }
  }

  async update(tenant: StoredTenant): Promise<void> {
    const { id: _id, created_at: _created, ...changes } = toRow(tenant);
    try {
      await this.db.updateTable('tenants').set(changes).where('id', '=', tenant.id).execute();
    } catch (error) {
      throw this.translate(error, tenant);
    }
  }

  async get(id: string): Promise<StoredTenant | undefined> {
    const row = await this.getTenant.executeTakeFirst({ id });
    return row === undefined ? undefined : fromRow(row);
  }

  async findByPhoneNumberId(phoneNumberId: string): Promise<StoredTenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('phone_number_id', '=', phoneNumberId).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async findByBusinessAccountId(businessAccountId: string): Promise<StoredTenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().where('business_account_id', '=', businessAccountId).orderBy('id').execute();
    return rows.map(fromRow);
  }

  async listWithSecret(name: SecretName): Promise<StoredTenant[]> {
    // The secrets column is JSON of sealed strings by name: its key, quoted, can only be a key.
    // The LIKE narrows the rows read; the parsed document decides.
    const rows = await this.db.selectFrom('tenants').selectAll().where('secrets', 'like', `%"${name}"%`).orderBy('id').execute();
    return rows.map(fromRow).filter((t) => t.sealedSecrets[name] !== undefined);
  }

  async list(page: PageRequest): Promise<Page<StoredTenant>> {
    let query = this.db.selectFrom('tenants').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
    if (page.cursor !== null) query = query.where('id', '<', page.cursor);
    return toPage(await query.execute(), page.limit, fromRow);
  }

  async findGuestKey(keyHash: string, now: Date): Promise<GuestKeyMatch | undefined> {
    const row = await this.db
      .selectFrom('guest_keys')
      .select(['tenant_id', 'key_hash'])
      .where('key_hash', '=', keyHash)
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now.getTime())]))
      .executeTakeFirst();
    return row === undefined ? undefined : { tenantId: row.tenant_id, keyHash: row.key_hash };
  }

  async rotateGuestKey(tenantId: string, newKeyHash: string, now: Date, previousValidUntil: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('guest_keys')
        .set({ valid_until: previousValidUntil.getTime() })
        .where('tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', previousValidUntil.getTime())]))
        .execute();
      await trx
        .insertInto('guest_keys')
        .values({ key_hash: newKeyHash, tenant_id: tenantId, created_at: now.getTime(), valid_until: null })
        .execute();
    });
  }

  private translate(error: unknown, tenant: StoredTenant): unknown {
    const phoneNumberId = tenant.settings.whatsapp.phoneNumberId;
    if (phoneNumberId !== null && isUniqueViolation(error) && String(error).includes('phone_number_id')) {
      return new PhoneNumberIdTakenError(phoneNumberId);
    }
    return error;
  }
}
