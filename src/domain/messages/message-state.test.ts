import { describe, expect, it } from 'vitest';
import { acceptedByMeta, afterStatus, type MessageState } from './message-state.js';

describe('afterStatus', () => {
  it('moves forward through sent, delivered and read, in any arrival order', () => {
    expect(afterStatus('accepted', 'sent')).toBe('sent');
    expect(afterStatus('accepted', 'read')).toBe('read');
    expect(afterStatus('read', 'delivered')).toBe('read');
    expect(afterStatus('delivered', 'sent')).toBe('delivered');
    expect(afterStatus('sending', 'delivered')).toBe('delivered');
  });

  it('treats failed as terminal, and ignores a failure after delivery', () => {
    expect(afterStatus('sent', 'failed')).toBe('failed');
    expect(afterStatus('failed', 'read')).toBe('failed');
    expect(afterStatus('delivered', 'failed')).toBe('delivered');
    expect(afterStatus('skipped', 'sent')).toBe('skipped');
  });

  it('knows which states mean Meta has the message', () => {
    const yes: MessageState[] = ['accepted', 'sent', 'delivered', 'read'];
    const no: MessageState[] = ['queued', 'sending', 'failed', 'skipped'];
    expect(yes.every(acceptedByMeta)).toBe(true);
    expect(no.some(acceptedByMeta)).toBe(false);
  });
});
