/**
 * How far an order has gone, read from the free-text shipment status a brand's API gives
 * (`shipment_details.status`, Shopify's `fulfillment_status`, `displayFulfillmentStatus`).
 * Brands write these in their own words, so negations come first: "not shipped", "ready to
 * ship", "unfulfilled" and "delivery failed" contain the words of the later stages.
 */
export type ShipmentStage = 'not_shipped' | 'shipped' | 'delivered' | 'unknown';

const NOT_SHIPPED = [
  /\b(not|yet to|awaiting|pending|ready to|ready for|to be|waiting (for|to))\b.*\b(ship|shipping|shipment|shipped|dispatch|dispatched|fulfil|fulfill|fulfilment|fulfillment|fulfilled|pick ?up)\b/,
  /\b(un ?fulfilled|un ?shipped|un ?dispatched|restocked)\b/,
  /^(open|new|placed|pending|processing|confirmed|on hold|scheduled|in progress|label (printed|purchased|created))$/,
];
/** Out with the carrier but not with the customer, even though the text says "deliver". */
const ON_THE_WAY = /\b(undelivered|not delivered|delivery (failed|failure|attempted|exception)|failed (delivery|attempt)|attempted delivery|out for delivery|carrier picked ?up)\b/;
const DELIVERED = /\b(delivered|picked ?up)\b/;
const SHIPPED = /\b(ship|shipped|shipping|in transit|dispatched|fulfilled|partial(ly)?( fulfilled| shipped)?|returned|return(ing)? to (sender|origin)|rto|delayed)\b/;

export function shipmentStage(status: string | null): ShipmentStage {
  if (status === null) return 'unknown';
  const said = status.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
  if (said === '') return 'unknown';
  if (NOT_SHIPPED.some((pattern) => pattern.test(said))) return 'not_shipped';
  if (ON_THE_WAY.test(said)) return 'shipped';
  if (DELIVERED.test(said)) return 'delivered';
  if (SHIPPED.test(said)) return 'shipped';
  return 'unknown';
}
