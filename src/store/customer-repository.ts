import type { Kysely } from 'kysely';
import type { Contact, CustomerStore, InboundMessage, InboundRecord, OptOut, OptOutScope, OptOutSource } from '../domain/ports/customer-store.js';
import { lockKeys, type Capabilities } from './connect.js';
import { prepareQuery } from './prepared-query.js';
import type { Database } from './schema.js';

export class SqlCustomerStore implements CustomerStore {
  // Read before every send.
  private readonly optOutsOf;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
  ) {
    this.optOutsOf = prepareQuery(db, ['tenantId', 'customer'], (p: { tenantId: string; customer: string }) =>
      db.selectFrom('opt_outs').selectAll().where('tenant_id', '=', p.tenantId).where('customer', '=', p.customer),
    );
  }

  async recordInbound(message: InboundMessage): Promise<InboundRecord> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('inbound_messages')
        .values({
          wamid: message.wamid,
          tenant_id: message.tenantId,
          customer: message.customer,
          type: message.type,
          text: message.text,
          payload: JSON.stringify(message.payload),
          sent_at: message.sentAt.getTime(),
          received_at: message.receivedAt.getTime(),
        })
        .onConflict((oc) => oc.column('wamid').doNothing())
        .returning('wamid')
        .executeTakeFirst();
      if (inserted === undefined) {
        const stored = await trx.selectFrom('inbound_messages').select('handled_at').where('wamid', '=', message.wamid).executeTakeFirst();
        return stored?.handled_at === null ? 'unhandled' : 'handled';
      }
      const at = message.sentAt.getTime();
      await trx
        .insertInto('contacts')
        .values({
          tenant_id: message.tenantId,
          customer: message.customer,
          wa_id: message.waId,
          user_id: message.userId,
          profile_name: message.profileName,
          last_inbound_at: at,
          undeliverable_at: null,
          marketing_paused_until: null,
          updated_at: message.receivedAt.getTime(),
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'customer']).doUpdateSet((eb) => ({
            wa_id: eb.fn.coalesce('excluded.wa_id', 'contacts.wa_id'),
            user_id: eb.fn.coalesce('excluded.user_id', 'contacts.user_id'),
            profile_name: eb.fn.coalesce('excluded.profile_name', 'contacts.profile_name'),
            // Messages arrive out of order: the window runs from the latest one.
            last_inbound_at: eb
              .case()
              .when(eb.ref('contacts.last_inbound_at'), 'is', null)
              .then(eb.ref('excluded.last_inbound_at'))
              .when(eb.ref('excluded.last_inbound_at'), '>', eb.ref('contacts.last_inbound_at'))
              .then(eb.ref('excluded.last_inbound_at'))
              .else(eb.ref('contacts.last_inbound_at'))
              .end(),
            // Someone who writes to us is reachable again.
            undeliverable_at: null,
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      return 'new';
    });
  }

  async markHandled(wamid: string, at: Date): Promise<void> {
    await this.db.updateTable('inbound_messages').set({ handled_at: at.getTime() }).where('wamid', '=', wamid).execute();
  }

  async contact(tenantId: string, customer: string): Promise<Contact | undefined> {
    const row = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('customer', '=', customer)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const date = (ms: number | null) => (ms === null ? null : new Date(ms));
    return {
      customer: row.customer,
      waId: row.wa_id,
      profileName: row.profile_name,
      lastInboundAt: date(row.last_inbound_at),
      undeliverableAt: date(row.undeliverable_at),
      marketingPausedUntil: date(row.marketing_paused_until),
    };
  }

  async optOut(tenantId: string, customer: string, scope: OptOutScope, source: OptOutSource, at: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await lockKeys(trx, this.capabilities, [consentKey(tenantId, customer, scope)]);
      // Made before the customer's latest opt-in, it arrived late: the opt-in stands.
      const resumed = await trx
        .selectFrom('opt_ins')
        .select('at')
        .where('tenant_id', '=', tenantId)
        .where('customer', '=', customer)
        .where('scope', '=', scope)
        .executeTakeFirst();
      if (resumed !== undefined && Number(resumed.at) > at.getTime()) return false;
      const row = await trx
        .insertInto('opt_outs')
        .values({ tenant_id: tenantId, customer, scope, source, at: at.getTime() })
        .onConflict((oc) => oc.columns(['tenant_id', 'customer', 'scope']).doNothing())
        .returning('customer')
        .executeTakeFirst();
      return row !== undefined;
    });
  }

  async optIn(tenantId: string, customer: string, scope: OptOutScope, at: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await lockKeys(trx, this.capabilities, [consentKey(tenantId, customer, scope)]);
      await trx
        .insertInto('opt_ins')
        .values({ tenant_id: tenantId, customer, scope, at: at.getTime() })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'customer', 'scope']).doUpdateSet((eb) => ({
            at: eb.case().when(eb.ref('excluded.at'), '>', eb.ref('opt_ins.at')).then(eb.ref('excluded.at')).else(eb.ref('opt_ins.at')).end(),
          })),
        )
        .execute();
      // An opt-out made after this opt-in (it arrived first) is the customer's last word.
      const result = await trx
        .deleteFrom('opt_outs')
        .where('tenant_id', '=', tenantId)
        .where('customer', '=', customer)
        .where('scope', '=', scope)
        .where('at', '<=', at.getTime())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async optOuts(tenantId: string, customer: string): Promise<OptOut[]> {
    const { rows } = await this.optOutsOf.execute({ tenantId, customer });
    return rows.map((r) => ({ scope: r.scope as OptOutScope, source: r.source as OptOutSource, at: new Date(r.at) }));
  }

  async markUndeliverable(tenantId: string, customer: string, at: Date): Promise<void> {
    await this.upsertContact(tenantId, customer, at, { undeliverable_at: at.getTime() });
  }

  async pauseMarketing(tenantId: string, customer: string, until: Date): Promise<void> {
    await this.upsertContact(tenantId, customer, until, { marketing_paused_until: until.getTime() });
  }

  private async upsertContact(
    tenantId: string,
    customer: string,
    at: Date,
    set: { undeliverable_at?: number; marketing_paused_until?: number },
  ): Promise<void> {
    await this.db
      .insertInto('contacts')
      .values({
        tenant_id: tenantId,
        customer,
        wa_id: null,
        user_id: null,
        profile_name: null,
        last_inbound_at: null,
        undeliverable_at: set.undeliverable_at ?? null,
        marketing_paused_until: set.marketing_paused_until ?? null,
        updated_at: at.getTime(),
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'customer']).doUpdateSet({ ...set, updated_at: at.getTime() }))
      .execute();
  }
}

/** Opt-outs and opt-ins of one scope for one customer are decided one at a time. */
function consentKey(tenantId: string, customer: string, scope: OptOutScope): string {
  return `consent:${tenantId}:${customer}:${scope}`;
}
