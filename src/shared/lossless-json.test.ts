import { describe, expect, it } from 'vitest';
import { JsonTooDeepError, MAX_JSON_DEPTH, parseJsonLossless } from './lossless-json.js';

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

  it('finds an unsafe integer at any depth it takes: 128 levels of arrays and objects', () => {
    const deepest = (depth: number, inner: string) => `${'['.repeat(depth - 1)}{"id":${inner}}${']'.repeat(depth - 1)}`;
    let level: unknown = parseJsonLossless(deepest(MAX_JSON_DEPTH, '12345678901234567890'));
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) level = (level as unknown[])[0];
    expect(level).toEqual({ id: '12345678901234567890' });
    const nested = '{"a":[1,{"b":[{"c":{"id":12345678901234567890}}]}]}';
    expect(parseJsonLossless(nested)).toEqual({ a: [1, { b: [{ c: { id: '12345678901234567890' } }] }] });
  });

  it('refuses JSON nested deeper than 128 levels, however deep, with or without long integers', () => {
    for (const text of [
      `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`,
      `${'{"a":'.repeat(MAX_JSON_DEPTH)}{}${'}'.repeat(MAX_JSON_DEPTH)}`,
      `[12345678901234567890,${'['.repeat(200_000)}${']'.repeat(200_000)}]`,
    ]) {
      expect(() => parseJsonLossless(text)).toThrow(JsonTooDeepError);
    }
    expect(parseJsonLossless(`${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}{}${'}'.repeat(MAX_JSON_DEPTH - 1)}`)).toBeTypeOf('object');
  });

  it('reads numbers beyond 2^53 that are not whole-number literals as JSON.parse does', () => {
    expect(parseJsonLossless('{"big":1.5e300,"exact":9007199254740993.0,"small":1e-7}')).toEqual({ big: 1.5e300, exact: 9007199254740992, small: 1e-7 });
  });

  it('ignores a leading byte order mark, as RFC 8259 allows, on both paths', () => {
    expect(parseJsonLossless('\ufeff{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonLossless('\ufeff{"id":12345678901234567890}')).toEqual({ id: '12345678901234567890' });
    expect(() => parseJsonLossless('{"a":1}\ufeff')).toThrow(SyntaxError);
  });
});
