import type { Kysely } from 'kysely';
import { ALERT_REPEAT_WINDOW_MS, type Alert, type AlertStore, type RaisedAlert } from '../domain/ports/alert-store.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { toPage } from './paging.js';
import { prepareQuery } from './prepared-query.js';
import type { Database } from './schema.js';

export class SqlAlertStore implements AlertStore {
  // Read before every send.
  private readonly pausedOf;

  constructor(private readonly db: Kysely<Database>) {
    this.pausedOf = prepareQuery(db, ['id'], (p: { id: string }) => db.selectFrom('tenants').select('sending_paused').where('id', '=', p.id));
  }

  async raise(alert: Alert): Promise<void> {
    const at = alert.createdAt.getTime();
    await this.db.transaction().execute(async (trx) => {
      const recurring = await trx
        .selectFrom('alerts')
        .select('id')
        .where('tenant_id', '=', alert.tenantId)
        .where('kind', '=', alert.kind)
        .where('last_at', '>=', at - ALERT_REPEAT_WINDOW_MS)
        .where('detail', '=', alert.detail)
        // A resolved alert stays settled: the same news again (paused once more) is raised anew.
        .where('resolved_at', 'is', null)
        .orderBy('last_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (recurring !== undefined) {
        await trx
          .updateTable('alerts')
          .set((eb) => ({ repeats: eb('repeats', '+', 1), last_at: at }))
          .where('id', '=', recurring.id)
          .execute();
        return;
      }
      await trx
        .insertInto('alerts')
        .values({ id: alert.id, tenant_id: alert.tenantId, kind: alert.kind, detail: alert.detail, created_at: at, resolved_at: null, repeats: 0, last_at: at, subject: alert.subject ?? null })
        .execute();
    });
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<RaisedAlert>> {
    let query = this.db.selectFrom('alerts').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(page.limit + 1);
    if (page.cursor !== null) query = query.where('id', '<', page.cursor);
    return toPage(await query.execute(), page.limit, (r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      kind: r.kind,
      detail: r.detail,
      createdAt: new Date(r.created_at),
      repeats: r.repeats,
      lastAt: new Date(r.last_at),
      resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at),
      ...(r.subject === null ? {} : { subject: r.subject }),
    }));
  }

  async resolve(tenantId: string, subject: string, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('alerts')
      .set({ resolved_at: at.getTime() })
      .where('tenant_id', '=', tenantId)
      .where('subject', '=', subject)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async pauseSending(tenantId: string, reason: string): Promise<void> {
    await this.db.updateTable('tenants').set({ sending_paused: reason }).where('id', '=', tenantId).execute();
  }

  async resumeSending(tenantId: string): Promise<void> {
    await this.db.updateTable('tenants').set({ sending_paused: null }).where('id', '=', tenantId).execute();
  }

  async sendingPaused(tenantId: string): Promise<string | null> {
    const row = await this.pausedOf.executeTakeFirst({ id: tenantId });
    return row?.sending_paused ?? null;
  }
}
