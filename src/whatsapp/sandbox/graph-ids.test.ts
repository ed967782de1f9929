import { describe, expect, it } from 'vitest';
import { newFbtraceId, newWamid, wabaIdFor } from './graph-ids.js';

describe('graph ids', () => {
  it("makes wamids in Meta's style, holding the recipient's number", () => {
    const wamid = newWamid('919812345678');
    expect(wamid).toMatch(/^wamid\.HBgM[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(wamid.slice('wamid.'.length), 'base64').toString('latin1')).toContain('919812345678');
  });

  it('never repeats a wamid', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newWamid('919812345678')));
    expect(ids.size).toBe(20_000);
  });

  it('makes trace ids and stable 15-digit WABA ids', () => {
    expect(newFbtraceId()).toMatch(/^[A-Za-z0-9_-]{23}$/);
    expect(newFbtraceId()).not.toBe(newFbtraceId());
    expect(wabaIdFor('1001')).toMatch(/^1\d{14}$/);
    expect(wabaIdFor('1001')).toBe(wabaIdFor('1001'));
    expect(wabaIdFor('1001')).not.toBe(wabaIdFor('1002'));
  });
});
