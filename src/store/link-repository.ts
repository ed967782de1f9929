import type { Kysely } from 'kysely';
import type { LinkStore, NewLink, StoredLink } from '../domain/ports/link-store.js';
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

  async click(token: string, at: Date): Promise<StoredLink | undefined> {
    const row = await this.db
      .updateTable('links')
      .set((eb) => ({ clicks: eb('clicks', '+', 1), last_click_at: at.getTime() }))
      .where('token', '=', token)
      .returning(['tenant_id', 'message_id', 'target'])
      .executeTakeFirst();
    return row === undefined ? undefined : storedLink(row);
  }

  async find(token: string): Promise<StoredLink | undefined> {
    const row = await this.db.selectFrom('links').select(['tenant_id', 'message_id', 'target']).where('token', '=', token).executeTakeFirst();
    return row === undefined ? undefined : storedLink(row);
  }

  async setTarget(token: string, target: string): Promise<void> {
    await this.db
      .updateTable('links')
      .set({ target })
      .where('token', '=', token)
      .where('target', '=', '')
      .execute();
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

/** No target is stored as '' (the column is not null). */
function storedLink(row: { tenant_id: string; message_id: string | null; target: string }): StoredLink {
  return { tenantId: row.tenant_id, messageId: row.message_id, target: row.target === '' ? null : row.target };
}
