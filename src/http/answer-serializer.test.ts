import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { Nullable, OpenJson } from '../shared/answer-types.js';
import { AnswerShapeError, answerSerializerCompiler } from './answer-serializer.js';
import { FailureSchema, failureBody } from './envelope.js';

const write = (schema: unknown, data: unknown) => answerSerializerCompiler({ schema })(data);

const Account = Type.Object({
  id: Type.String(),
  settings: Type.Object({ zone: Type.String(), quiet: Nullable(Type.Object({ start: Type.String() })) }),
  tags: Type.Array(Type.Object({ name: Type.String() })),
  counts: Type.Record(Type.String(), Type.Integer()),
  note: Nullable(Type.String()),
  retries: Nullable(Type.Integer()),
  raw: OpenJson('as sent'),
});

describe('the admin answer serializer', () => {
  it('writes what JSON.stringify writes when the value holds only what the schema names, in the value order', () => {
    const value = {
      raw: { anything: [1, { deep: 'x' }], accessToken: 'kept: open JSON is written whole' },
      note: null,
      retries: null,
      counts: { '131026': 2, none: 1 },
      tags: [{ name: 'a' }],
      settings: { quiet: null, zone: 'UTC' },
      id: 't1',
    };
    expect(write(Account, value)).toBe(JSON.stringify(value));
  });

  it('leaves out every property the schema does not name, at any depth, in nullable objects and array items too', () => {
    const leaky = {
      id: 't1',
      accessToken: 'secret-1',
      settings: { zone: 'UTC', apiKey: 'secret-2', quiet: { start: '21:00', appSecret: 'secret-3' } },
      tags: [{ name: 'a', token: 'secret-4' }],
      counts: { x: 1 },
      note: 'n',
      retries: 2,
      raw: null,
    };
    const written = write(Account, leaky);
    expect(written).not.toMatch(/secret-/);
    expect(JSON.parse(written)).toEqual({ id: 't1', settings: { zone: 'UTC', quiet: { start: '21:00' } }, tags: [{ name: 'a' }], counts: { x: 1 }, note: 'n', retries: 2, raw: null });
  });

  it('coerces nothing: a null stays null, a number where a string is documented stays a number', () => {
    const data = { id: 7, note: null, retries: null, settings: { zone: null, quiet: null }, tags: [], counts: {}, raw: 0 };
    expect(write(Account, data)).toBe(JSON.stringify(data));
  });

  it('refuses an object or array where the schema allows none, rather than writing what it may hold', () => {
    expect(() => write(Account, { id: { accessToken: 'secret' } })).toThrow(AnswerShapeError);
    expect(() => write(Account, { note: ['secret'] })).toThrow(AnswerShapeError);
  });

  it('writes a Date as JSON.stringify does, leaves undefined out, and keeps a "__proto__" key a plain key', () => {
    const schema = Type.Object({ at: Type.String(), gone: Type.Optional(Type.String()), counts: Type.Record(Type.String(), Type.Integer()) });
    const counts = JSON.parse('{"__proto__": 1, "b": 2}') as Record<string, number>;
    const value = { at: new Date('2026-03-01T10:00:00Z'), gone: undefined, counts };
    expect(write(schema, value)).toBe('{"at":"2026-03-01T10:00:00.000Z","counts":{"__proto__":1,"b":2}}');
  });

  it('writes the error envelope as it always was', () => {
    for (const failure of [failureBody('notFound', { message: 'tenant t9' }), failureBody('badPayload', { details: [{ path: '/name', message: 'is required' }] })]) {
      expect(write(FailureSchema, failure)).toBe(JSON.stringify(failure));
    }
  });
});
