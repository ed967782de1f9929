import { describe, expect, it } from 'vitest';
import { countryCodeOf } from './country-code.js';

describe('countryCodeOf', () => {
  it("prefers a code field (Shopify's country_code, GraphQL's countryCode/countryCodeV2) over the name", () => {
    expect(countryCodeOf({ country: 'India', country_code: 'AE' })).toBe('AE');
    expect(countryCodeOf({ country: 'India', countryCodeV2: 'AE' })).toBe('AE');
    expect(countryCodeOf({ countryCode: 'ae' })).toBe('AE');
  });

  it('takes a bare country that is a code', () => {
    expect(countryCodeOf({ country: 'AE' })).toBe('AE');
    expect(countryCodeOf({ country: ' in ' })).toBe('IN');
  });

  it("reads an English country name, in any case, with or without accents, '&' or 'and'", () => {
    expect(countryCodeOf({ country: 'United Arab Emirates' })).toBe('AE');
    expect(countryCodeOf({ country: 'india' })).toBe('IN');
    expect(countryCodeOf({ country: 'United Kingdom' })).toBe('GB');
    expect(countryCodeOf({ country: 'UK' })).toBe('GB');
    expect(countryCodeOf({ country: "Cote d'Ivoire" })).toBe('CI');
    expect(countryCodeOf({ country: 'Bosnia and Herzegovina' })).toBe('BA');
  });

  it('passes over codes no phone can be read in, falling through to the next field', () => {
    expect(countryCodeOf({ country_code: 'XX', country: 'United Arab Emirates' })).toBe('AE');
    expect(countryCodeOf({ country_code: 'UK' })).toBeNull();
    expect(countryCodeOf({ country_code: 'ARE' })).toBeNull();
    expect(countryCodeOf({ country_code: 971 })).toBeNull();
  });

  it('is null for an unknown name, no country, or no address', () => {
    expect(countryCodeOf({ country: 'Narnia' })).toBeNull();
    expect(countryCodeOf({ country: '' })).toBeNull();
    expect(countryCodeOf({ city: 'Dubai' })).toBeNull();
    expect(countryCodeOf(null)).toBeNull();
    expect(countryCodeOf(['AE'])).toBeNull();
  });
});
