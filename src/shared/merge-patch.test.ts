import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch', () => {
  it('follows RFC 7386: objects merge, scalars and arrays replace, null removes', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
    expect(applyMergePatch(target, { a: 5, b: { d: null, e: 4 }, list: [9] })).toEqual({ a: 5, b: { c: 2, e: 4 }, list: [9] });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, list: [1, 2] });
    expect(applyMergePatch({ a: 1 }, 'text')).toBe('text');
  });

  it('sets null where the schema allows null, and removes elsewhere', () => {
    const schema = Type.Object({
      quiet: Type.Union([Type.Object({ start: Type.String() }), Type.Null()]),
      name: Type.String(),
      nested: Type.Object({ code: Type.Union([Type.String(), Type.Null()]) }),
    });
    const result = applyMergePatch(
      { quiet: { start: '21:00' }, name: 'x', nested: { code: 'A' } },
      { quiet: null, name: null, nested: { code: null } },
      schema,
    );
    expect(result).toEqual({ quiet: null, nested: { code: null } });
  });

  it('treats "__proto__" as a key like any other: an own property, the prototype untouched', () => {
    const patch = JSON.parse('{"__proto__":{"admin":true},"nested":{"__proto__":{"admin":true}}}') as unknown;
    const result = applyMergePatch({ nested: { a: 1 } }, patch) as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.nested)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['nested', '__proto__']);
    expect(Object.keys(result.nested!)).toEqual(['a', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ admin: true });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
