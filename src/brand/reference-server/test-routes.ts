/**
 * Two routes that are not part of the brand API contract, so tests and demos can set up and
 * inspect the shop without opening its database. A real brand does not need them.
 *
 * - `POST /_orders` `{"order": {…}, "status"?: "open"|"shipped"|"delivered"|"cancelled"}`:
 *   adds an order (either order family). Its customer's phone is taken from `phone`,
 *   `shippingAddress.phone`, `shipping_address.phone` or `customer.phone`. 201 with the order
 *   as `GET /order/{id}` will serve it; 409 when the id is taken.
 * - `GET /_orders/{id}`: the order with what the shop recorded about it (`status`,
 *   `cancelledAt`, `cancellationReason`, `cancelledBy`).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { servedOrder } from './brand-routes.js';
import { ORDER_STATUSES, type BrandStore, type OrderStatus } from './brand-store.js';
import { sendBrandFailure } from './envelope.js';
import { phoneKey } from './phone-key.js';

const AddOrderBody = Type.Object({
  order: Type.Object({ id: Type.Union([Type.String({ minLength: 1 }), Type.Integer()]) }, { additionalProperties: true }),
  status: Type.Optional(Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)))),
});
type AddOrderBody = Static<typeof AddOrderBody>;

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

function phoneOf(order: Record<string, unknown>): string | null {
  return (
    text(order.phone) ??
    text(field(order.shippingAddress, 'phone')) ??
    text(field(order.shipping_address, 'phone')) ??
    text(field(order.customer, 'phone'))
  );
}

export async function testRoutes(app: FastifyInstance, { store, now }: { store: BrandStore; now: () => Date }): Promise<void> {
  app.post<{ Body: AddOrderBody }>('/_orders', { schema: { body: AddOrderBody } }, async (request, reply) => {
    const order: Record<string, unknown> = { ...request.body.order };
    const id = String(order.id);
    order.id = id;
    const rawPhone = phoneOf(order);
    const phone = rawPhone === null ? null : phoneKey(rawPhone);
    if (phone === null) return sendBrandFailure(reply, 'badPayload', 'the order needs a customer phone (phone or shippingAddress.phone)');
    const status: OrderStatus = request.body.status ?? 'open';
    const createdAt = text(order.createdAt) ?? text(order.created_at) ?? now().toISOString();
    if (!store.addOrder({ id, phone, status, createdAt, body: order })) {
      return sendBrandFailure(reply, 'conflict', `order ${id} exists already`);
    }
    const added = store.order(id);
    if (added === null) throw new Error(`order ${id} vanished after it was added`);
    return reply.code(201).send({ order: servedOrder(added) });
  });

  app.get<{ Params: { id: string } }>('/_orders/:id', async (request, reply) => {
    const order = store.order(request.params.id);
    if (order === null) return sendBrandFailure(reply, 'notFound', `no order with id ${request.params.id}`);
    return {
      order: servedOrder(order),
      status: order.status,
      cancelledAt: order.cancelledAt,
      cancellationReason: order.cancellationReason,
      cancelledBy: order.cancelledBy,
    };
  });
}
