import { describe, expect, it } from 'vitest';
import { parseJsonLossless } from './lossless-json.js';

describe('parseJsonLossless', () => {
  it('keeps integers above 2^53 exactly, as strings', () => {
    const parsed = parseJsonLossless('{"id":5735266369709823012,"items":[{"variant_id":-9007199254740993}],"qty":2}');
    expect(parsed).toEqual({ id: '5735266369709823012', items: [{ variant_id: '-9007199254740993' }], qty: 2 });
  });

  it('leaves safe numbers, decimals and long digit strings alone', () => {
    expect(parseJsonLossless('{"a":9007199254740991,"price":"1234567890123456789","t":12.5}')).toEqual({
      a: 9007199254740991,
      price: '1234567890123456789',
      t: 12.5,
    });
  });

  it('throws on malformed JSON on both paths', () => {
    expect(() => parseJsonLossless('{"a":')).toThrow();
    expect(() => parseJsonLossless('{"id":12345678901234567890,')).toThrow();
  });
});
