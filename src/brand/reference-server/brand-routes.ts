/**
 * The five endpoints a brand exposes to Orderline (the seed's "Some APIs for Internal
 * Usage"; BRIEF.md, "Brand APIs"). What Orderline relies on, and so what a brand copying
 * this file must keep:
 *
 * - `GET /order/{orderId}`: the order object (bare); 404 with the failure envelope when the
 *   shop has no such order.
 * - `GET /personal-details/{phone}` and `GET /personal-details?email=…`: the customer
 *   (`first_name`, `last_name`, `phone`, `email`, `addresses`); 404 when unknown; 400
 *   `Bad request!!` when the phone or email cannot be one.
 * - `GET /get-orders/{phone}`: `{"orders": […]}`, the customer's latest three, newest first
 *   (an empty list when there are none).
 * - `POST /cancel-order` with `{"id", "cancellationReason", "cancelledBy"}`: the seed's
 *   success body when the order is cancelled (or already was); 404 for an unknown order; 400
 *   `Bad payload!!` for a body that is not the seed's and for an order that has shipped or
 *   been delivered, with a `message` saying why.
 *
 * Phones may arrive in any spelling (phone-key.ts), because Orderline sends the form the
 * brand configured (`+91…` percent-encoded, `91…` or the national number).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { BrandStore, OrderRow } from './brand-store.js';
import { BRAND_SUCCESS, sendBrandFailure } from './envelope.js';
import { phoneKey } from './phone-key.js';

/** How many orders `get-orders` lists: the seed's "last 3 orders". */
export const RECENT_ORDERS = 3;

/** The seed's cancel body. Extra keys are tolerated (a newer Orderline may send more). */
export const CancelOrderBody = Type.Object({
  id: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer()]),
  cancellationReason: Type.String({ minLength: 1, maxLength: 2000 }),
  cancelledBy: Type.String({ minLength: 1, maxLength: 100 }),
});
type CancelOrderBody = Static<typeof CancelOrderBody>;

const PhoneParams = Type.Object({ phone: Type.String() });
const OrderParams = Type.Object({ orderId: Type.String() });
const EmailQuery = Type.Object({ email: Type.Optional(Type.String()) });

/** The order as the shop shows it: its stored document with the live status on top. */
export function servedOrder(row: OrderRow): Record<string, unknown> {
  const shipment = row.body.shipment_details;
  const shipmentDetails = typeof shipment === 'object' && shipment !== null ? shipment : {};
  return {
    ...row.body,
    cancelledAt: row.cancelledAt ?? row.body.cancelledAt ?? null,
    cancelReason: row.cancellationReason ?? row.body.cancelReason ?? null,
    shipment_details: { ...shipmentDetails, status: row.status },
  };
}

function servedCustomer(c: NonNullable<ReturnType<BrandStore['customerByPhone']>>): Record<string, unknown> {
  return { first_name: c.firstName, last_name: c.lastName, phone: `+${c.phone}`, email: c.email, addresses: c.addresses };
}

export interface BrandRouteOptions {
  store: BrandStore;
  /** The time recorded on a cancel; injected so tests can assert it. */
  now: () => Date;
}

export async function brandRoutes(app: FastifyInstance, { store, now }: BrandRouteOptions): Promise<void> {
  app.get<{ Params: Static<typeof OrderParams> }>('/order/:orderId', { schema: { params: OrderParams } }, async (request, reply) => {
    const id = request.params.orderId.trim();
    if (id === '') return sendBrandFailure(reply, 'badRequest', 'the order id is empty');
    const order = store.order(id);
    if (order === null) return sendBrandFailure(reply, 'notFound', `no order with id ${id}`);
    return servedOrder(order);
  });

  app.get<{ Params: Static<typeof PhoneParams> }>('/personal-details/:phone', { schema: { params: PhoneParams } }, async (request, reply) => {
    const key = phoneKey(request.params.phone);
    if (key === null) return sendBrandFailure(reply, 'badRequestLower', 'that is not a phone number');
    const customer = store.customerByPhone(key);
    if (customer === null) return sendBrandFailure(reply, 'notFound', 'no customer with that phone number');
    return servedCustomer(customer);
  });

  app.get<{ Querystring: Static<typeof EmailQuery> }>('/personal-details', { schema: { querystring: EmailQuery } }, async (request, reply) => {
    const email = request.query.email?.trim() ?? '';
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) return sendBrandFailure(reply, 'badRequestLower', 'pass ?email= with an email address');
    const customer = store.customerByEmail(email);
    if (customer === null) return sendBrandFailure(reply, 'notFound', 'no customer with that email');
    return servedCustomer(customer);
  });

  app.get<{ Params: Static<typeof PhoneParams> }>('/get-orders/:phone', { schema: { params: PhoneParams } }, async (request, reply) => {
    const key = phoneKey(request.params.phone);
    if (key === null) return sendBrandFailure(reply, 'badRequest', 'that is not a phone number');
    return { orders: store.recentOrders(key, RECENT_ORDERS).map(servedOrder) };
  });

  app.post<{ Body: CancelOrderBody }>('/cancel-order', { schema: { body: CancelOrderBody } }, async (request, reply) => {
    const id = String(request.body.id).trim();
    const order = store.order(id);
    if (order === null) return sendBrandFailure(reply, 'notFound', `no order with id ${id}`);
    switch (order.status) {
      case 'cancelled':
        // Asking twice is harmless: the customer wanted it cancelled, and it is.
        return BRAND_SUCCESS;
      case 'shipped':
        return sendBrandFailure(reply, 'badPayload', `order ${id} has already shipped and can no longer be cancelled`);
      case 'delivered':
        return sendBrandFailure(reply, 'badPayload', `order ${id} has been delivered and can no longer be cancelled`);
      case 'open':
        break;
    }
    if (!store.cancel(id, request.body.cancellationReason, request.body.cancelledBy, now().toISOString())) {
      // The order changed between the read and the update (it shipped a moment ago).
      return sendBrandFailure(reply, 'badPayload', `order ${id} changed while cancelling; ask again`);
    }
    return BRAND_SUCCESS;
  });
}
