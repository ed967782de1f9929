/**
 * Building blocks of the schemas that describe what the service answers. A route's response
 * schema documents the answer (OpenAPI, and the SDK generated from it) and, on the admin API,
 * bounds it: nothing it does not name is written (http/answer-serializer.ts). So each of these
 * must say exactly what the value may be.
 */
import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';

/**
 * The value, or null. Without it the document would promise a value that may be null (and
 * fast-json-stringify, where a route uses it, writes such a null as "" or 0).
 */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}) {
  return Type.Union([schema, Type.Null()], options);
}

/**
 * A string from a fixed list, as a plain `enum`: clients generated from the document get a
 * string enum rather than a union of constants.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A time as the APIs write them: ISO-8601 UTC with milliseconds (`Date.prototype.toISOString`). */
export function IsoTime(options: SchemaOptions = {}) {
  return Type.String({ ...options, format: 'date-time' });
}

/**
 * Any JSON value, written as it is (`JSON.stringify`): bodies as brands or Meta sent them,
 * and models open by nature. Nothing in it is dropped, so no secret may ever be put there.
 */
export function OpenJson(description: string) {
  return Type.Unknown({ description });
}
