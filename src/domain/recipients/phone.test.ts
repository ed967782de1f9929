import { describe, expect, it } from 'vitest';
import { customerOfWaId, maskPhone, normalizePhone } from './phone.js';

describe('normalizePhone', () => {
  it.each([
    ['9812345678', 'IN', '919812345678'],
    ['+91 98123 45678', 'IN', '919812345678'],
    ['919812345678', 'IN', '919812345678'],
    ['0091-98123-45678', 'IN', '919812345678'],
    ['(415) 555-2671', 'US', '14155552671'],
    ['+44 7400 123456', 'IN', '447400123456'],
  ])('%s with default %s → %s', (raw, country, digits) => {
    const result = normalizePhone(raw, country);
    expect(result).toMatchObject({ ok: true, digits, e164: `+${digits}` });
  });

  it('says why a phone is unusable', () => {
    expect(normalizePhone(null, 'IN')).toEqual({ ok: false, reason: 'missing' });
    expect(normalizePhone('  ', 'IN')).toEqual({ ok: false, reason: 'missing' });
    expect(normalizePhone('12345', 'IN')).toMatchObject({ ok: false });
    expect(normalizePhone('call me', 'IN')).toMatchObject({ ok: false });
  });

  it('remembers recent numbers per default country, never across countries', () => {
    const first = normalizePhone('020 7946 0958', 'GB');
    expect(normalizePhone('020 7946 0958', 'GB')).toBe(first);
    expect(first).toMatchObject({ ok: true, digits: '442079460958' });
    // The same text under another default country is another number (or none).
    expect(normalizePhone('020 7946 0958', 'IN')).not.toEqual(first);
    // Answers are shared, so nobody may change one.
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('maskPhone', () => {
  it('keeps the country code and the last four digits only', () => {
    expect(maskPhone('+919812345678')).toBe('+91******5678');
    expect(maskPhone('919812345678')).toBe('91******5678');
    expect(maskPhone('5678')).toBe('****');
    expect(maskPhone(null)).toBe('');
  });
});

describe('customerOfWaId', () => {
  it("takes WhatsApp's Mexican and old Brazilian ids to the number a brand's data gives", () => {
    expect(customerOfWaId('5215512345678')).toBe(normalizePhone('+52 55 1234 5678', 'IN').ok ? '525512345678' : 'invalid');
    expect(customerOfWaId('551187654321')).toBe('5511987654321');
    expect(normalizePhone('+55 11 98765 4321', 'IN')).toMatchObject({ ok: true, digits: customerOfWaId('551187654321') });
  });

  it('leaves every other id as it is', () => {
    for (const id of ['919812345678', '525512345678', '5511987654321', '551132654321', '5491123456789', '14155552671', 'US.13491208655302741918']) {
      expect(customerOfWaId(id)).toBe(id);
    }
  });
});
