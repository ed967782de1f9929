import type { Kysely, Selectable } from 'kysely';
import type { Conversation, ConversationMode, ConversationStore, FlowState, OrderConfirmation } from '../domain/ports/conversation-store.js';
import type { Page, PageRequest } from '../domain/ports/page.js';
import { toPage } from './paging.js';
import type { ConversationsTable, Database } from './schema.js';

function fromRow(row: Selectable<ConversationsTable>): Conversation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    customer: row.customer,
    mode: row.mode as ConversationMode,
    state: JSON.parse(row.state) as FlowState,
    lastInboundAt: new Date(row.last_inbound_at),
    expiresAt: new Date(row.expires_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class SqlConversationStore implements ConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string, customer: string): Promise<Conversation | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('tenant_id', '=', tenantId).where('customer', '=', customer).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async getById(tenantId: string, id: string): Promise<Conversation | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async save(c: Conversation, options: { keepMode?: boolean } = {}): Promise<void> {
    const row = {
      id: c.id,
      tenant_id: c.tenantId,
      customer: c.customer,
      mode: c.mode,
      state: JSON.stringify(c.state),
      last_inbound_at: c.lastInboundAt.getTime(),
      expires_at: c.expiresAt.getTime(),
      updated_at: c.updatedAt.getTime(),
    };
    const { id: _id, tenant_id: _t, customer: _c, mode: _m, ...rest } = row;
    const changes = options.keepMode === true ? rest : { ...rest, mode: c.mode };
    await this.db
      .insertInto('conversations')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'customer']).doUpdateSet(changes))
      .execute();
  }

  async withOperator(tenantId: string, customer: string): Promise<boolean> {
    const row = await this.db.selectFrom('conversations').select('mode').where('tenant_id', '=', tenantId).where('customer', '=', customer).executeTakeFirst();
    return row?.mode === 'human';
  }

  async advance(tenantId: string, customer: string, from: FlowState, to: FlowState): Promise<boolean> {
    // The state is stored as JSON.stringify of an object read back from it: the same text.
    const result = await this.db
      .updateTable('conversations')
      .set({ state: JSON.stringify(to) })
      .where('tenant_id', '=', tenantId)
      .where('customer', '=', customer)
      .where('state', '=', JSON.stringify(from))
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Conversation>> {
    let query = this.db.selectFrom('conversations').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(page.limit + 1);
    if (page.cursor !== null) query = query.where('id', '<', page.cursor);
    return toPage(await query.execute(), page.limit, fromRow);
  }

  async recordConfirmation(tenantId: string, c: OrderConfirmation): Promise<void> {
    await this.db
      .insertInto('order_confirmations')
      .values({ tenant_id: tenantId, order_id: c.orderId, decision: c.decision, customer: c.customer, at: c.at.getTime() })
      .onConflict((oc) => oc.columns(['tenant_id', 'order_id']).doUpdateSet({ decision: c.decision, customer: c.customer, at: c.at.getTime() }))
      .execute();
  }

  async confirmationOf(tenantId: string, orderId: string): Promise<OrderConfirmation | undefined> {
    const row = await this.db.selectFrom('order_confirmations').selectAll().where('tenant_id', '=', tenantId).where('order_id', '=', orderId).executeTakeFirst();
    return row === undefined
      ? undefined
      : { orderId: row.order_id, decision: row.decision as OrderConfirmation['decision'], customer: row.customer, at: new Date(row.at) };
  }
}
