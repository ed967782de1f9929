/**
 * The TenantStore contract, run unchanged against real SQLite and real PostgreSQL: round
 * trips, the one-tenant-per-phone-number-id rule, paging, and guest key lookup and rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/ports/clock.js';
import { timeOrderedIds } from '../../src/domain/ports/ids.js';
import type { Page } from '../../src/domain/ports/page.js';
import { PhoneNumberIdTakenError, type SealedSecrets, type StoredTenant, type TenantStore } from '../../src/domain/ports/tenant-store.js';
import { TenantSettings } from '../../src/domain/tenants/tenant-settings.js';
import { checkSchema } from '../../src/shared/schema-check.js';
import { SqlAlertStore } from '../../src/store/alert-repository.js';
import { SqlTenantStore } from '../../src/store/tenant-repository.js';
import { databaseTargets } from '../support/databases.js';
import { openContractDatabase, sha256, unique, type ContractDatabase } from './contract-database.js';

const HOUR = 60 * 60 * 1000;

function defaultSettings(): TenantSettings {
  const result = checkSchema(TenantSettings, {});
  if (!result.ok) throw new Error(`default settings are invalid: ${JSON.stringify(result.issues)}`);
  return result.value;
}

function withPhone(phoneNumberId: string | null, base: TenantSettings = defaultSettings()): TenantSettings {
  return { ...base, whatsapp: { ...base.whatsapp, phoneNumberId } };
}

/** Digits only, as the settings schema requires, and unique within the run. */
function phoneId(): string {
  return String(100_000_000 + Math.floor(Math.random() * 899_999_999)) + String(Date.now() % 100_000);
}

describe.each(databaseTargets())('$name tenant store', (factory) => {
  describe.skipIf(factory.skip)('contract', () => {
    let database: ContractDatabase | undefined;
    let store: TenantStore;
    const clock = new ManualClock('2026-03-01T10:00:00.123Z');
    const ids = timeOrderedIds(() => clock.now().getTime());
    /** Every tenant stored by this suite, in creation order. */
    const created: string[] = [];

    beforeAll(async () => {
      database = await openContractDatabase(factory);
      store = new SqlTenantStore(database.connection.db);
    });
    afterAll(async () => database?.close());

    function tenant(overrides: Partial<StoredTenant> = {}): StoredTenant {
      clock.advance(1000);
      return {
        id: ids.next('ten'),
        name: 'Store',
        settings: defaultSettings(),
        sealedSecrets: {},
        sendingPaused: null,
        createdAt: clock.now(),
        updatedAt: clock.now(),
        ...overrides,
      };
    }

    async function create(t: StoredTenant, keyHash = sha256(unique('key'))): Promise<string> {
      await store.create(t, keyHash);
      created.push(t.id);
      return keyHash;
    }

    it('creates and gets a tenant with its settings, sealed secrets and dates intact', async () => {
      const base = defaultSettings();
      const settings: TenantSettings = {
        ...withPhone(phoneId(), base),
        timezone: 'Europe/Berlin',
        defaultCountry: 'DE',
        cartRecovery: { ...base.cartRecovery, reminders: [{ after: '45m', template: null }], quietHours: null, expireAfter: null },
        bot: { ...base.bot, texts: { 'greeting.hello': 'Hallo — "quoted" \\ 👋' } },
        guestApi: { requestsPerSecond: 25 },
      };
      const sealedSecrets: SealedSecrets = { whatsappAccessToken: 'v1.aXY.dGFn.Y3Q', brandApiKey: 'v1.b3Rocg.dGFn.a2V5' };
      const t = tenant({ name: 'Ünïcødé Store', settings, sealedSecrets, updatedAt: new Date(clock.now().getTime() + 7) });
      const keyHash = await create(t);

      const stored = await store.get(t.id);
      expect(stored).toEqual(t);
      expect(stored?.createdAt).toBeInstanceOf(Date);
      expect(stored?.updatedAt.toISOString()).toBe(t.updatedAt.toISOString());
      expect(await store.findGuestKey(keyHash, clock.now())).toEqual({ tenantId: t.id, keyHash });
      expect(await store.get(unique('ten_missing'))).toBeUndefined();
    });

    it('gives a WhatsApp phone number id to one tenant only; null ids never collide', async () => {
      const phone = phoneId();
      const first = tenant({ settings: withPhone(phone) });
      await create(first);

      const second = tenant({ settings: withPhone(phone) });
      const secondKey = sha256(unique('key'));
      const error: unknown = await store.create(second, secondKey).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PhoneNumberIdTakenError);
      expect((error as PhoneNumberIdTakenError).phoneNumberId).toBe(phone);
      // Nothing of the refused tenant was kept: neither the row nor its guest key.
      expect(await store.get(second.id)).toBeUndefined();
      expect(await store.findGuestKey(secondKey, clock.now())).toBeUndefined();

      const a = tenant({ settings: withPhone(null) });
      const b = tenant({ settings: withPhone(null) });
      await create(a);
      await create(b);
      expect((await store.get(b.id))?.settings.whatsapp.phoneNumberId).toBeNull();

      // An update to a taken id is refused the same way and changes nothing.
      await expect(store.update({ ...a, name: 'Thief', settings: withPhone(phone) })).rejects.toBeInstanceOf(
        PhoneNumberIdTakenError,
      );
      expect(await store.get(a.id)).toEqual(a);
    });

    it('finds the tenants of a WhatsApp Business Account id, several when they share one, and follows updates', async () => {
      const waba = phoneId();
      const withWaba = (businessAccountId: string | null): TenantSettings => {
        const base = withPhone(phoneId());
        return { ...base, whatsapp: { ...base.whatsapp, businessAccountId } };
      };
      const first = tenant({ settings: withWaba(waba) });
      const second = tenant({ settings: withWaba(waba) });
      const other = tenant({ settings: withWaba(phoneId()) });
      const none = tenant({ settings: withWaba(null) });
      for (const t of [first, second, other, none]) await create(t);

      expect((await store.findByBusinessAccountId(waba)).map((t) => t.id)).toEqual([first.id, second.id]);
      expect(await store.findByBusinessAccountId(waba)).toEqual([first, second]);
      expect(await store.findByBusinessAccountId(phoneId())).toEqual([]);

      // Moved to the other WABA, and given up: the look-up follows the settings.
      await store.update({ ...second, settings: { ...second.settings, whatsapp: { ...second.settings.whatsapp, businessAccountId: other.settings.whatsapp.businessAccountId } } });
      await store.update({ ...first, settings: { ...first.settings, whatsapp: { ...first.settings.whatsapp, businessAccountId: null } } });
      expect(await store.findByBusinessAccountId(waba)).toEqual([]);
      expect((await store.findByBusinessAccountId(other.settings.whatsapp.businessAccountId!)).map((t) => t.id)).toEqual([second.id, other.id]);
    });

    it('lists the tenants that hold a secret, and only those', async () => {
      const holder = tenant({ sealedSecrets: { whatsappAccessToken: 'v1.dG9r', whatsappAppSecret: 'v1.YXBw' } });
      // A name the secret merely contains, in another secret's sealed text, is not the secret.
      const lookalike = tenant({ name: 'whatsappAppSecret', sealedSecrets: { brandApiKey: 'v1.whatsappAppSecret' } });
      await create(holder);
      await create(lookalike);
      const held = await store.listWithSecret('whatsappAppSecret');
      expect(held.map((t) => t.id)).toContain(holder.id);
      expect(held.map((t) => t.id)).not.toContain(lookalike.id);
      expect(held.every((t) => t.sealedSecrets.whatsappAppSecret !== undefined)).toBe(true);
      expect(held.find((t) => t.id === holder.id)).toEqual(holder);
      await store.update({ ...holder, sealedSecrets: { whatsappAccessToken: 'v1.dG9r' } });
      expect((await store.listWithSecret('whatsappAppSecret')).map((t) => t.id)).not.toContain(holder.id);
    });

    it('refuses a guest key hash that is already in use, and keeps no half-created tenant', async () => {
      const keyHash = await create(tenant());
      const other = tenant();
      await expect(store.create(other, keyHash)).rejects.toThrow();
      expect(await store.get(other.id)).toBeUndefined();
    });

    it('updates name, settings and secrets, and frees the phone number id it gave up', async () => {
      const oldPhone = phoneId();
      const newPhone = phoneId();
      const t = tenant({ settings: withPhone(oldPhone), sealedSecrets: { whatsappAppSecret: 'v1.old' } });
      await create(t);

      const changed: StoredTenant = {
        ...t,
        name: 'Renamed',
        settings: { ...withPhone(newPhone), timezone: 'America/Sao_Paulo' },
        sealedSecrets: { whatsappAccessToken: 'v1.new' },
        updatedAt: new Date(t.updatedAt.getTime() + HOUR),
      };
      await store.update(changed);
      expect(await store.get(t.id)).toEqual(changed);

      await create(tenant({ settings: withPhone(oldPhone) }));
      await expect(store.create(tenant({ settings: withPhone(newPhone) }), sha256(unique('key')))).rejects.toBeInstanceOf(
        PhoneNumberIdTakenError,
      );
    });

    it('shows when sending is paused, and an update of the settings leaves that to the sender', async () => {
      const t = tenant();
      await create(t);
      const alerts = new SqlAlertStore(database!.connection.db);
      await alerts.pauseSending(t.id, '(#190) token expired');
      expect((await store.get(t.id))?.sendingPaused).toBe('(#190) token expired');
      // A settings change read before the pause must not clear it: only the sender resumes.
      await store.update({ ...t, name: 'Renamed while paused' });
      expect(await store.get(t.id)).toMatchObject({ name: 'Renamed while paused', sendingPaused: '(#190) token expired' });
      await alerts.resumeSending(t.id);
      expect((await store.get(t.id))?.sendingPaused).toBeNull();
    });

    it('lists newest first, page by page, until nextCursor is null', async () => {
      for (let i = 0; i < 7; i++) await create(tenant({ name: `Paged ${i}` }));
      const newestFirst = [...created].reverse();
      expect(newestFirst.length).toBeGreaterThanOrEqual(12);

      const seen: string[] = [];
      const pages: Page<StoredTenant>[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<StoredTenant> = await store.list({ limit: 3, cursor });
        pages.push(page);
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
        expect(pages.length).toBeLessThanOrEqual(newestFirst.length);
      } while (cursor !== null);

      expect(seen).toEqual(newestFirst);
      expect(pages.length).toBe(Math.ceil(newestFirst.length / 3));
      for (const page of pages.slice(0, -1)) {
        expect(page.items).toHaveLength(3);
        expect(page.nextCursor).toBe(page.items[2]?.id);
      }
      // Items are whole tenants, not ids.
      expect(pages[0]?.items[0]).toEqual(await store.get(newestFirst[0] ?? ''));

      const all = await store.list({ limit: newestFirst.length, cursor: null });
      expect(all.items.map((t) => t.id)).toEqual(newestFirst);
      expect(all.nextCursor).toBeNull();
      const allButOne = await store.list({ limit: newestFirst.length - 1, cursor: null });
      expect(allButOne.nextCursor).toBe(newestFirst[newestFirst.length - 2]);
      const last = await store.list({ limit: 5, cursor: allButOne.nextCursor });
      expect(last).toEqual({ items: [await store.get(created[0] ?? '')], nextCursor: null });
    });

    it('finds the tenant of a current guest key and nothing for an unknown hash', async () => {
      const t = tenant();
      const keyHash = await create(t);
      expect(await store.findGuestKey(keyHash, new Date(clock.now().getTime() + 1000 * HOUR))).toEqual({
        tenantId: t.id,
        keyHash,
      });
      expect(await store.findGuestKey(sha256(unique('never-issued')), clock.now())).toBeUndefined();
    });

    it('rotates a key with no grace: the old key stops at once, the new one works', async () => {
      const t = tenant();
      const oldKey = await create(t);
      const newKey = sha256(unique('key'));
      const now = clock.now();
      await store.rotateGuestKey(t.id, newKey, now, now);

      expect(await store.findGuestKey(oldKey, now)).toBeUndefined();
      expect(await store.findGuestKey(oldKey, new Date(now.getTime() - 1))).toEqual({ tenantId: t.id, keyHash: oldKey });
      expect(await store.findGuestKey(newKey, now)).toEqual({ tenantId: t.id, keyHash: newKey });
    });

    it('rotates a key with a grace period: the old key works until the instant, never after', async () => {
      const t = tenant();
      const k1 = await create(t);
      const k2 = sha256(unique('key'));
      const start = clock.now().getTime();
      const at = (ms: number) => new Date(start + ms);
      await store.rotateGuestKey(t.id, k2, at(0), at(HOUR));

      expect(await store.findGuestKey(k1, at(0))).toEqual({ tenantId: t.id, keyHash: k1 });
      expect(await store.findGuestKey(k1, at(HOUR - 1))).toEqual({ tenantId: t.id, keyHash: k1 });
      expect(await store.findGuestKey(k1, at(HOUR))).toBeUndefined();
      expect(await store.findGuestKey(k1, at(48 * HOUR))).toBeUndefined();
      expect(await store.findGuestKey(k2, at(48 * HOUR))).toEqual({ tenantId: t.id, keyHash: k2 });

      // Rotating again inside the grace period with no grace cuts every older key off now.
      const k3 = sha256(unique('key'));
      await store.rotateGuestKey(t.id, k3, at(10 * 60_000), at(10 * 60_000));
      expect(await store.findGuestKey(k1, at(10 * 60_000))).toBeUndefined();
      expect(await store.findGuestKey(k2, at(10 * 60_000))).toBeUndefined();
      expect(await store.findGuestKey(k3, at(10 * 60_000))).toEqual({ tenantId: t.id, keyHash: k3 });

      // A later, longer grace never revives a key that already stopped.
      const k4 = sha256(unique('key'));
      await store.rotateGuestKey(t.id, k4, at(20 * 60_000), at(5 * HOUR));
      expect(await store.findGuestKey(k1, at(30 * 60_000))).toBeUndefined();
      expect(await store.findGuestKey(k2, at(30 * 60_000))).toBeUndefined();
      expect(await store.findGuestKey(k3, at(5 * HOUR - 1))).toEqual({ tenantId: t.id, keyHash: k3 });
      expect(await store.findGuestKey(k3, at(5 * HOUR))).toBeUndefined();
    });

    it('never resolves one tenant’s keys to another, and rotation touches only its own tenant', async () => {
      const a = tenant();
      const b = tenant();
      const a1 = await create(a);
      const b1 = await create(b);
      const a2 = sha256(unique('key'));
      const now = clock.now();
      await store.rotateGuestKey(a.id, a2, now, now);

      expect(await store.findGuestKey(b1, now)).toEqual({ tenantId: b.id, keyHash: b1 });
      const b2 = sha256(unique('key'));
      await store.rotateGuestKey(b.id, b2, now, new Date(now.getTime() + HOUR));

      expect(await store.findGuestKey(a1, now)).toBeUndefined();
      expect(await store.findGuestKey(a2, now)).toEqual({ tenantId: a.id, keyHash: a2 });
      expect(await store.findGuestKey(b1, now)).toEqual({ tenantId: b.id, keyHash: b1 });
      expect(await store.findGuestKey(b2, now)).toEqual({ tenantId: b.id, keyHash: b2 });
      // A hash already issued to another tenant cannot become this tenant's key.
      await expect(store.rotateGuestKey(a.id, b2, now, now)).rejects.toThrow();
      expect(await store.findGuestKey(b2, now)).toEqual({ tenantId: b.id, keyHash: b2 });
      expect(await store.findGuestKey(a2, now)).toEqual({ tenantId: a.id, keyHash: a2 });
    });
  });
});
