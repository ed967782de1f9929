import { describe, expect, it } from 'vitest';
import { readCustomerPhone } from './customer-phone.js';
import { normalizePhone } from './phone.js';

const read = (phone: string | null, country: string | null, defaultCountry = 'IN') => readCustomerPhone({ phone, country }, defaultCountry);

describe('readCustomerPhone', () => {
  it('reads a national number in the country its data names', () => {
    expect(read('050 123 4567', 'AE')).toMatchObject({ ok: true, digits: '971501234567', country: 'AE' });
  });

  it("reads it in the tenant's default country when no country is named, as before", () => {
    expect(read('050 123 4567', null)).toEqual({ ok: false, reason: 'invalid' });
    expect(read('050 123 4567', null)).toEqual(normalizePhone('050 123 4567', 'IN'));
    expect(read('98123 45678', null)).toMatchObject({ ok: true, digits: '919812345678' });
  });

  it("gives a number valid in both countries to the named one, not the default's", () => {
    // 202 555 0123 is a Washington DC number and a Pune landline alike.
    expect(read('202 555 0123', null)).toMatchObject({ ok: true, digits: '912025550123' });
    expect(read('202 555 0123', 'US')).toMatchObject({ ok: true, digits: '12025550123' });
  });

  it("still reads a number invalid in the named country in the default one (the buyer's own number on a gift sent abroad)", () => {
    expect(read('98123 45678', 'AE')).toMatchObject({ ok: true, digits: '919812345678' });
  });

  it('leaves numbers written internationally as they were', () => {
    for (const [raw, digits] of [
      ['+44 7400 123456', '447400123456'],
      ['0091 98123 45678', '919812345678'],
      ['919812345678', '919812345678'],
      ['971501234567', '971501234567'],
    ]) {
      expect(read(raw!, 'AE')).toMatchObject({ ok: true, digits });
      expect(read(raw!, 'AE')).toEqual(read(raw!, null));
    }
  });

  it('ignores a country no number can be read in', () => {
    for (const junk of ['XX', 'UK', 'ae', 'ARE', '']) {
      expect(read('050 123 4567', junk)).toEqual({ ok: false, reason: 'invalid' });
      expect(read('202 555 0123', junk)).toMatchObject({ ok: true, digits: '912025550123' });
    }
  });

  it('says a missing phone is missing, whatever the country', () => {
    expect(read(null, 'AE')).toEqual({ ok: false, reason: 'missing' });
    expect(read('  ', 'AE')).toEqual({ ok: false, reason: 'missing' });
  });

  it('keeps readings in different countries apart in the cache of recent numbers', () => {
    const named = read('202 555 0199', 'US');
    expect(read('202 555 0199', null)).not.toEqual(named);
    expect(read('202 555 0199', 'US')).toBe(named);
  });
});
