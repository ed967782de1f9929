/**
 * How the admin API writes its answers: as JSON.stringify always wrote them (the same members
 * in the same order, nothing coerced), minus every property the route's response schema does
 * not name, at any depth. So a secret a view put in by mistake is never written, and the
 * answers' bytes stay what they were before the routes had response schemas.
 *
 * Fastify's default, fast-json-stringify, also drops what the schema does not name, but writes
 * properties in the schema's order: a tenant's settings keep the order the operator sent them
 * in, so its answer would change with it (and stop being byte for byte what the CLI's `--json`
 * prints); it also writes a null as "" or 0 where the schema says string or number.
 */

/** The JSON Schema keywords the answer schemas (TypeBox) use to say what may be written. */
interface AnswerSchema {
  type?: string | string[];
  properties?: Record<string, AnswerSchema>;
  patternProperties?: Record<string, AnswerSchema>;
  additionalProperties?: boolean | AnswerSchema;
  items?: AnswerSchema;
  anyOf?: AnswerSchema[];
  oneOf?: AnswerSchema[];
}

type Prune = (value: unknown) => unknown;

/** Thrown for an object or array where the schema allows none: answered as a 500, never written. */
export class AnswerShapeError extends Error {
  constructor(path: string, kind: string) {
    super(`the answer holds ${kind} at ${path || '/'}, which its schema does not allow`);
    this.name = 'AnswerShapeError';
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The kinds of value a schema admits; undefined: any (an open value such as Type.Unknown()). */
function kindsOf(schema: AnswerSchema): Set<string> | undefined {
  const members = schema.anyOf ?? schema.oneOf;
  if (members !== undefined) {
    const kinds = new Set<string>();
    for (const member of members) {
      const own = kindsOf(member);
      if (own === undefined) return undefined;
      for (const kind of own) kinds.add(kind);
    }
    return kinds;
  }
  if (schema.type === undefined) return schema.properties === undefined ? undefined : new Set(['object']);
  const kinds = new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
  if (kinds.has('number')) kinds.add('integer');
  return kinds;
}

const isContainer = (kind: string) => kind === 'object' || kind === 'array';

/** What JSON.stringify writes for a value with a toJSON method (a Date: its ISO string). */
function jsonOf(value: unknown): unknown {
  const toJSON = typeof value === 'object' && value !== null ? (value as { toJSON?: unknown }).toJSON : undefined;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : value;
}

/** `undefined` is left as it is, for JSON.stringify to leave out as it always did. */
function pruner(schema: AnswerSchema, path: string): Prune {
  const shape = shaper(schema, path);
  return (value) => {
    const json = jsonOf(value);
    return json === undefined ? json : shape(json);
  };
}

function shaper(schema: AnswerSchema, path: string): Prune {
  const members = schema.anyOf ?? schema.oneOf;
  if (members !== undefined) {
    // The first member that admits the value's kind shapes it (a nullable object: the object).
    const choices = members.map((member) => ({ kinds: kindsOf(member), prune: pruner(member, path) }));
    return (value) => {
      const kind = kindOf(value);
      const chosen = choices.find((c) => c.kinds === undefined || c.kinds.has(kind));
      if (chosen !== undefined) return chosen.prune(value);
      // An object or array where the schema wants neither could hide anything: refused, not written.
      if (isContainer(kind)) throw new AnswerShapeError(path, kind);
      return value;
    };
  }
  const kinds = kindsOf(schema);
  if (kinds === undefined) return (value) => value;
  const object = kinds.has('object') ? objectPruner(schema, path) : undefined;
  const items = kinds.has('array') && schema.items !== undefined ? pruner(schema.items, `${path}/*`) : undefined;
  return (value) => {
    const kind = kindOf(value);
    if (kind === 'object' && object !== undefined) return object(value as Record<string, unknown>);
    if (kind === 'array' && kinds.has('array')) return items === undefined ? value : (value as unknown[]).map(items);
    if (isContainer(kind)) throw new AnswerShapeError(path, kind);
    // Primitives as they are: nothing is coerced, a null stays null.
    return value;
  };
}

function objectPruner(schema: AnswerSchema, path: string): (value: Record<string, unknown>) => Record<string, unknown> {
  const named = new Map(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, pruner(s, `${path}/${key}`)]));
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([pattern, s]) => ({ pattern: new RegExp(pattern, 'u'), prune: pruner(s, `${path}/*`) }));
  const extra = schema.additionalProperties;
  const other: Prune | undefined = extra === true ? (v) => v : typeof extra === 'object' ? pruner(extra, `${path}/*`) : undefined;
  return (value) => {
    // No prototype: a "__proto__" key is then a property like any other.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    // The value's own order, not the schema's: what JSON.stringify wrote before.
    for (const key of Object.keys(value)) {
      const prune = named.get(key) ?? patterns.find((p) => p.pattern.test(key))?.prune ?? other;
      if (prune !== undefined) out[key] = prune(value[key]);
    }
    return out;
  };
}

/** The value with only what `schema` names (the CLI prints tenants through it too). */
export function answerPruner(schema: unknown): (value: unknown) => unknown {
  return pruner(schema as AnswerSchema, '');
}

/** A Fastify serializer compiler: one JSON writer per route and status, pruned by its schema. */
export function answerSerializerCompiler({ schema }: { schema: unknown }): (data: unknown) => string {
  const prune = answerPruner(schema);
  return (data) => JSON.stringify(prune(data));
}
