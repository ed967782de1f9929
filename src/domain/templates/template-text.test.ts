import { describe, expect, it } from 'vitest';
import { lookupPath, placeholderPaths, sanitizeText, substitutePlaceholders, truncate } from './template-text.js';

describe('sanitizeText', () => {
  it('turns newlines, tabs and other control characters into spaces', () => {
    expect(sanitizeText('Flat 4\nLake View')).toBe('Flat 4 Lake View');
    expect(sanitizeText('a\r\nb')).toBe('a b');
    expect(sanitizeText('a\tb')).toBe('a b');
    expect(sanitizeText('a\u2028b\u0000c')).toBe('a b c');
  });

  it('collapses a run of more than 4 spaces and keeps shorter ones', () => {
    expect(sanitizeText('a     b')).toBe('a b');
    expect(sanitizeText('a          b')).toBe('a b');
    expect(sanitizeText('a    b')).toBe('a    b');
    expect(sanitizeText('a \n\n\n\n b')).toBe('a b');
  });

  it('trims, so blank text becomes empty', () => {
    expect(sanitizeText('  Asha \n')).toBe('Asha');
    expect(sanitizeText(' \t\n ')).toBe('');
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text to the limit with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab cdef', 4)).toBe('ab…');
    expect(truncate('abc', 0)).toBe('');
  });

  it('never splits an emoji', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab😀…');
  });

  it('counts characters, not UTF-16 units: an emoji is one', () => {
    const gifts = '🎁'.repeat(12);
    expect(truncate(gifts, 12)).toBe(gifts);
    expect(truncate(`#8101 ${gifts}`, 12)).toBe(`#8101 ${'🎁'.repeat(5)}…`);
    expect(truncate(`#8101 ${gifts}`, 24)).toBe(`#8101 ${gifts}`);
  });
});

describe('placeholders', () => {
  it('lists the paths of a literal, spaces inside braces allowed', () => {
    expect(placeholderPaths('cod_confirm:{{order.id}} {{ customer.firstName }}')).toEqual(['order.id', 'customer.firstName']);
    expect(placeholderPaths('no placeholders {here}')).toEqual([]);
  });

  it('substitutes every placeholder, or gives null when one has no value', () => {
    const values: Record<string, string> = { 'order.id': '42' };
    const valueOf = (p: string) => values[p] ?? null;
    expect(substitutePlaceholders('cod_confirm:{{order.id}}', valueOf)).toBe('cod_confirm:42');
    expect(substitutePlaceholders('Hi {{customer.firstName}}', valueOf)).toBeNull();
    expect(substitutePlaceholders('plain', valueOf)).toBe('plain');
    // Twice in a row: the pattern keeps no state between calls.
    expect(substitutePlaceholders('{{order.id}}/{{order.id}}', valueOf)).toBe('42/42');
  });
});

describe('lookupPath', () => {
  const ctx = { order: { id: '7', itemCount: 3, total: null, blank: ' ', nested: { a: 'x' } } };

  it('reads text and numbers at a path', () => {
    expect(lookupPath(ctx, 'order.id')).toBe('7');
    expect(lookupPath(ctx, 'order.itemCount')).toBe('3');
    expect(lookupPath(ctx, 'order.nested.a')).toBe('x');
  });

  it('has no value for null, blank text, objects, unknown or inherited keys', () => {
    expect(lookupPath(ctx, 'order.total')).toBeNull();
    expect(lookupPath(ctx, 'order.blank')).toBeNull();
    expect(lookupPath(ctx, 'order')).toBeNull();
    expect(lookupPath(ctx, 'order.nope')).toBeNull();
    expect(lookupPath(ctx, 'order.constructor')).toBeNull();
    expect(lookupPath(ctx, 'order.id.length')).toBeNull();
  });
});
