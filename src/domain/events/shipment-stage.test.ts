import { describe, expect, it } from 'vitest';
import { shipmentStage, type ShipmentStage } from './shipment-stage.js';

describe('shipmentStage', () => {
  it.each<[string | null, ShipmentStage]>([
    // Words of later stages inside a status that says it has not got there.
    ['not shipped', 'not_shipped'],
    ['Not Shipped Yet', 'not_shipped'],
    ['ready to ship', 'not_shipped'],
    ['READY_FOR_PICKUP', 'not_shipped'],
    ['awaiting shipment', 'not_shipped'],
    ['pending fulfillment', 'not_shipped'],
    ['UNFULFILLED', 'not_shipped'],
    ['unshipped', 'not_shipped'],
    ['label_printed', 'not_shipped'],
    ['processing', 'not_shipped'],
    ['confirmed', 'not_shipped'],
    ['yet to be dispatched', 'not_shipped'],
    // With the carrier, not with the customer.
    ['delivery failed', 'shipped'],
    ['Undelivered', 'shipped'],
    ['attempted_delivery', 'shipped'],
    ['out for delivery', 'shipped'],
    ['carrier_picked_up', 'shipped'],
    ['shipped', 'shipped'],
    ['In-Transit', 'shipped'],
    ['fulfilled', 'shipped'],
    ['partially_fulfilled', 'shipped'],
    ['PARTIAL', 'shipped'],
    ['returned to sender', 'shipped'],
    ['RTO', 'shipped'],
    ['dispatched', 'shipped'],
    // With the customer.
    ['delivered', 'delivered'],
    ['DELIVERED', 'delivered'],
    ['picked_up', 'delivered'],
    // Nothing to go on.
    [null, 'unknown'],
    ['', 'unknown'],
    ['xyz', 'unknown'],
  ])('%j is %s', (status, stage) => {
    expect(shipmentStage(status)).toBe(stage);
  });
});
