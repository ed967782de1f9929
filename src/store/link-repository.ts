import type { Kysely } from 'kysely';
import type { LinkStore, NewLink } from '../domain/ports/link-store.js';
import type { Database } from './schema.js';

export class SqlLinkStore implements LinkStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(link: NewLink): Promise<void> {
    await this.db
      .insertInto('links')
      .values({
        token: link.token,
        tenant_id: link.tenantId,
        message_id: link.messageId,
        target: link.target ?? '',
        clicks: 0,
        created_at: link.createdAt.getTime(),
        last_click_at: null,
      })
      .execute();
  }

  async click(token: string, at: Date): Promise<{ tenantId: string; target: string | null } | undefined> {
    const row = await this.db
      .updateTable('links')
      .set((eb) => ({ clicks: eb('clicks', '+', 1), last_click_at: at.getTime() }))
      .where('token', '=', token)
      .returning(['tenant_id', 'target'])
      .executeTakeFirst();
    return row === undefined ? undefined : { tenantId: row.tenant_id, target: row.target === '' ? null : row.target };
  }

  async find(token: string): Promise<{ tenantId: string; target: string | null } | undefined> {
    const row = await this.db.selectFrom('links').select(['tenant_id', 'target']).where('token', '=', token).executeTakeFirst();
    return row === undefined ? undefined : { tenantId: row.tenant_id, target: row.target === '' ? null : row.target };
  }

  async clicksByKind(tenantId: string): Promise<{ kind: string; clicks: number }[]> {
    const rows = await this.db
      .selectFrom('links')
      .innerJoin('messages', 'messages.id', 'links.message_id')
      .select(['messages.kind as kind'])
      .select((eb) => eb.fn.sum<number>('links.clicks').as('clicks'))
      .where('links.tenant_id', '=', tenantId)
      .groupBy('messages.kind')
      .execute();
    return rows.map((r) => ({ kind: r.kind, clicks: Number(r.clicks) }));
  }
}
