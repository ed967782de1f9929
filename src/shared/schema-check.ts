/**
 * Checks a value against a TypeBox schema outside HTTP (merged PATCH documents, stored
 * settings), with defaults applied, returning the same `{path, message}` issues the HTTP
 * layer reports.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

export interface SchemaIssue {
  path: string;
  message: string;
}

export type SchemaResult<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerFor<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

export function checkSchema<T extends TSchema>(schema: T, input: unknown): SchemaResult<Static<T>> {
  const proto = protoKeyPath(input, '');
  if (proto !== null) return { ok: false, issues: [{ path: proto, message: 'Unexpected property' }] };
  const value: unknown = Value.Default(schema, Value.Clone(input));
  const check = checkerFor(schema);
  if (check.Check(value)) return { ok: true, value };
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(value)) {
    for (const issue of explained(error)) {
      const key = `${issue.path}|${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    if (issues.length >= 20) break;
  }
  return { ok: false, issues: issues.slice(0, 20) };
}

/**
 * A union's "Expected union value" names neither the field nor the rule. When the value is the
 * kind of only one of the union's variants (an object against `mapping | null`), that
 * variant's own errors say what is wrong.
 */
function explained(error: ValueError): SchemaIssue[] {
  if (error.type !== ValueErrorType.Union || error.errors.length === 0) return [{ path: error.path, message: error.message }];
  const candidates = error.errors
    .map((variant) => [...variant])
    // A variant refused at the value itself for its kind ("Expected null") is not the one meant.
    .filter((errors) => !errors.some((e) => e.path === error.path && KIND_MISMATCH.has(e.type)));
  if (candidates.length !== 1) return [{ path: error.path, message: error.message }];
  return candidates[0]!.map((e) => ({ path: e.path, message: e.message }));
}

const KIND_MISMATCH: ReadonlySet<ValueErrorType> = new Set([
  ValueErrorType.Null,
  ValueErrorType.Object,
  ValueErrorType.String,
  ValueErrorType.Number,
  ValueErrorType.Integer,
  ValueErrorType.Boolean,
  ValueErrorType.Array,
  ValueErrorType.Literal,
]);

/**
 * Where a "__proto__" key is, if anywhere. JSON.parse makes it an own property; TypeBox's
 * copies assign each key, so that one would set a copy's prototype instead and pass every
 * check unseen. No schema here has such a property, so it is refused before copying.
 */
function protoKeyPath(value: unknown, path: string): string | null {
  // Without recursion: a body may nest as deep as JSON.parse takes.
  const pending: [unknown, string][] = [[value, path]];
  while (pending.length > 0) {
    const [item, at] = pending.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    for (const [key, child] of Object.entries(item)) {
      if (key === '__proto__') return `${at}/${key}`;
      pending.push([child, `${at}/${key}`]);
    }
  }
  return null;
}
