import { describe, expect, it } from 'vitest';
import { intentOf } from './intent.js';

describe('intentOf', () => {
  it('reads our own button and list ids', () => {
    expect(intentOf('menu:track', 'Track an order')).toEqual({ kind: 'track' });
    expect(intentOf('track:4331283087516', null)).toEqual({ kind: 'track_order', orderRef: '4331283087516' });
    expect(intentOf('reason:ord:42:changed_mind', null)).toEqual({ kind: 'cancel_reason', orderId: 'ord:42', reason: 'changed_mind' });
    expect(intentOf('cod_confirm:123', 'Confirm order')).toEqual({ kind: 'cod_confirm', orderId: '123' });
  });

  it('reads an id the assistant never offers as unclear, not as an order to look up', () => {
    for (const id of ['track:', 'cancel:', 'cancel_yes:', 'cancel_no:', 'cod_confirm:', 'cod_cancel:', 'reason:5002', 'reason:5002:', 'reason::other']) {
      expect(intentOf(id, null), id).toEqual({ kind: 'unknown' });
    }
    expect(intentOf('menu:', null)).toEqual({ kind: 'menu' });
  });

  it('understands greetings, typed order numbers and a few words', () => {
    expect(intentOf(null, 'Hi')).toEqual({ kind: 'menu' });
    expect(intentOf(null, 'MENU')).toEqual({ kind: 'menu' });
    expect(intentOf(null, '#2207')).toEqual({ kind: 'track_order', orderRef: '2207' });
    expect(intentOf(null, 'where is 2207')).toEqual({ kind: 'track_order', orderRef: '2207' });
    expect(intentOf(null, 'I want to cancel')).toEqual({ kind: 'cancel' });
    expect(intentOf(null, 'cancel order #3002')).toEqual({ kind: 'cancel_typed', orderRef: '3002' });
    expect(intentOf(null, 'Please CANCEL 3002')).toEqual({ kind: 'cancel_typed', orderRef: '3002' });
    expect(intentOf(null, 'Hi, where is order 2207?')).toEqual({ kind: 'track_order', orderRef: '2207' });
    expect(intentOf(null, 'hi 12345')).toEqual({ kind: 'menu' });
    expect(intentOf(null, 'show my orders')).toEqual({ kind: 'track' });
    expect(intentOf(null, 'ORD-2207')).toEqual({ kind: 'track_order', orderRef: '2207' });
    expect(intentOf(null, '#२२०७')).toEqual({ kind: 'track_order', orderRef: '2207' });
    expect(intentOf(null, 'order ৯৮৭৬')).toEqual({ kind: 'track_order', orderRef: '9876' });
    expect(intentOf(null, '#𝟐𝟐𝟎𝟕')).toEqual({ kind: 'track_order', orderRef: '2207' });
    expect(intentOf(null, 'can I talk to a person')).toEqual({ kind: 'human' });
    expect(intentOf(null, 'the weather is nice')).toEqual({ kind: 'unknown' });
  });
});
