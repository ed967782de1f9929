/**
 * Request schemas of the guest API: they validate the fields every body must carry and
 * document the rest for OpenAPI. Unknown fields are always allowed (and kept). Finer rules
 * (alternative field names, status values) are the normalisers' (domain/events).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { GuestPath } from '../domain/events/guest-endpoints.js';

const Id = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer()], {
  description: 'A string, or a number (ids above 2^53 are kept exactly)',
});
// Lenient on purpose: brands send numbers where strings are documented (phones, ids).
const Text = Type.Union([Type.String(), Type.Number(), Type.Null()]);
const open = { additionalProperties: true } as const;

const OrderBody = Type.Object(
  {
    id: Id,
    name: Type.Optional(Text),
    phone: Type.Optional(Text),
    email: Type.Optional(Text),
    fullyPaid: Type.Optional(Type.Boolean({ description: 'BusinessOnBot: false means cash on delivery' })),
    financial_status: Type.Optional(Text),
    total_amount: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    total_price: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    currencyCode: Type.Optional(Text),
    currency: Type.Optional(Text),
    shippingAddress: Type.Optional(Type.Union([Type.Object({}, open), Type.Null()])),
    shipping_address: Type.Optional(Type.Union([Type.Object({}, open), Type.Null()])),
    customer: Type.Optional(Type.Union([Type.Object({}, open), Type.Null()])),
    lineItems: Type.Optional(Type.Array(Type.Unknown())),
    line_items: Type.Optional(Type.Array(Type.Unknown())),
  },
  { ...open, description: "BusinessOnBot's order body (camelCase) or Shopify's REST order" },
);

const FulfillmentBody = Type.Object(
  {
    id: Id,
    order_id: Type.Optional(Id),
    orderId: Type.Optional(Id),
    tracking_company: Type.Optional(Text),
    tracking_number: Type.Optional(Text),
    tracking_url: Type.Optional(Text),
  },
  { ...open, description: "Shopify's fulfillment (or camelCase); `order_id` or `orderId` is required" },
);

const DeliveryBody = Type.Object(
  {
    delivery_id: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
    id: Type.Optional(Id),
    id_alias: Type.Optional(Text),
    order_id: Type.Optional(Id),
    fulfillment_id: Id,
    status: Type.String({
      description: 'Delivered | In-transit | Returned | Dispatched (any case; Shopify statuses are mapped)',
    }),
    delivered_at: Type.Optional(Text),
  },
  { ...open, description: "The seed's delivery event; with `order_id`, that is the order and `id` the event's own" },
);

const CartBody = Type.Object(
  {
    token: Type.Optional(Id),
    id: Type.Optional(Id),
    cart_token: Type.Optional(Id),
    abandoned_cart_id: Type.Optional(Id),
    abandoned_cart_time: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    completed_at: Type.Optional(Text),
    phone: Type.Optional(Text),
    customer_phone: Type.Optional(Text),
    abandoned_checkout_url: Type.Optional(Text),
    recovery_url: Type.Optional(Text),
  },
  { ...open, description: "Shopify checkout or BusinessOnBot's cart fields; one cart key is required" },
);

/**
 * The body, or the same wrapped as Shopify's REST API and some forwarders send it
 * (`{"order": {...}}`): wrapped when the outer object has no `id` and holds an object under
 * `key`, as the normalisers read it (`unwrap` in domain/events/fields.ts). A bare body's
 * errors stay those of the bare schema (`/id`); a wrapped one's point inside (`/order/id`).
 */
function orWrapped(schema: TSchema, key: string): TSchema {
  return Type.Unsafe({
    if: { type: 'object', not: { required: ['id'] }, required: [key], properties: { [key]: { type: 'object' } } },
    then: { type: 'object', properties: { [key]: schema } },
    else: schema,
    description: `${String(schema.description)}; also wrapped as {"${key}": …}`,
  });
}

export const GUEST_BODY_SCHEMAS: Record<GuestPath, TSchema> = {
  '/orders-create': orWrapped(OrderBody, 'order'),
  '/orders-cancelled': orWrapped(OrderBody, 'order'),
  '/fulfillments-create': orWrapped(FulfillmentBody, 'fulfillment'),
  '/fulfillments-events-create': orWrapped(DeliveryBody, 'fulfillment_event'),
  '/abandoned-cart': CartBody,
};
