/**
 * A Kysely query built and compiled once, then run again and again with new parameter values.
 * The per-message statements are tiny for the database; building Kysely's frozen operation
 * tree and compiling it to SQL cost more CPU than running them.
 *
 * The builder is compiled with a unique marker as each named parameter's value. Each marker
 * must come out as exactly one bound parameter, so the SQL is known to take that value in that
 * place and nowhere else; the other bound values are the builder's constants and are kept as
 * compiled. So a builder must be a straight-line function of its parameters alone: no branching
 * on their values (on null, say), no conversions (convert before executing), no lists (`in`
 * with a list of variable length), nothing that changes between calls (the clock). The checks
 * here refuse what shows in the compiled query (a parameter bound twice, never, changed, or
 * written into the SQL); a branch on a value leaves no trace there, so none can catch it.
 *
 * SQL differs by dialect (`?` or `$1`): a query is prepared for one database and runs on it or
 * its transactions. Repositories prepare theirs in their constructors, from their own `db`.
 */
import { NoResultError, QueryNode, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Values bound as one SQL parameter each (arrays would be lists, or arrays in PostgreSQL). */
export type ParamValue = string | number | bigint | boolean | null;

/** Named parameters; a mapped constraint so interfaces qualify as well as type literals. */
export type Params<P> = { [K in keyof P]: ParamValue };

/**
 * Names must list every parameter: a spread `{ ...params }` in the builder sees only the named
 * ones, and an insert would quietly lose the column of a forgotten one.
 */
type EveryName<P, N extends readonly string[]> = [Exclude<keyof P, N[number]>] extends [never]
  ? [Exclude<N[number], keyof P>] extends [never]
    ? unknown
    : { readonly unknownNames: Exclude<N[number], keyof P> }
  : { readonly unnamedParameters: Exclude<keyof P, N[number]> };

export class PreparedQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreparedQueryError';
  }
}

export interface PreparedQuery<P, Row> {
  /** The compiled SQL (this database's dialect). */
  readonly sql: string;
  /**
   * Runs on the database it was prepared on, or on `executor`: one of that database's
   * transactions. Never another database: the SQL is in this one's dialect.
   */
  execute(params: P, executor?: Kysely<Database>): Promise<QueryResult<Row>>;
  executeTakeFirst(params: P, executor?: Kysely<Database>): Promise<Row | undefined>;
  /** Throws Kysely's NoResultError without a row, as the builder's executeTakeFirstOrThrow does. */
  executeTakeFirstOrThrow(params: P, executor?: Kysely<Database>): Promise<Row>;
}

const MARKER = '\u0000orderline-param:';

/**
 * Compiles `build` now, on `db` (the builder must build on that same `db`), and throws a
 * PreparedQueryError if the query cannot be prepared safely.
 */
export function prepareQuery<P extends Params<P>, Row, const N extends readonly string[]>(
  db: Kysely<Database>,
  names: N & NoInfer<EveryName<P, N>>,
  build: (params: P) => Compilable<Row>,
): PreparedQuery<P, Row> {
  const { compiled, slots } = compileMarked(names, build);
  const slotNames = [...slots.keys()];
  const slotIndexes = [...slots.values()];
  const execute = async (params: P, executor: Kysely<Database> = db): Promise<QueryResult<Row>> => {
    const parameters = compiled.parameters.slice();
    for (let i = 0; i < slotNames.length; i++) {
      const name = slotNames[i]!;
      parameters[slotIndexes[i]!] = checkedValue(params[name as keyof P], name, compiled);
    }
    return executor.executeQuery(withParameters(compiled, parameters));
  };
  const executeTakeFirst = async (params: P, executor?: Kysely<Database>) => (await execute(params, executor)).rows[0];
  return {
    sql: compiled.sql,
    execute,
    executeTakeFirst,
    executeTakeFirstOrThrow: async (params, executor) => {
      const row = await executeTakeFirst(params, executor);
      if (row !== undefined) return row;
      throw QueryNode.is(compiled.query) ? new NoResultError(compiled.query) : new PreparedQueryError(`no result from ${compiled.sql}`);
    },
  };
}

/** The builder compiled with markers for values, and where each named parameter is bound. */
export function compileMarked<P, Row>(names: readonly string[], build: (params: P) => Compilable<Row>): { compiled: CompiledQuery<Row>; slots: Map<string, number> } {
  const compiled = build(markersFor(names)).compile();
  return { compiled, slots: locate(compiled, names) };
}

/** A parameter's value, refused when it could not have been bound as the marker was. */
export function checkedValue(value: unknown, name: string, compiled: CompiledQuery): unknown {
  if (!bindable(value)) throw refusedValue(value, name, compiled);
  return value;
}

/**
 * Whether a value can take a marker's place. Typed out, but a cast or an optional field can
 * still smuggle in the others: the builder would have left an undefined column out of an
 * insert, and made a list of an array.
 */
export function bindable(value: unknown): boolean {
  return value !== undefined && (typeof value !== 'object' || value === null);
}

export function refusedValue(value: unknown, name: string, compiled: CompiledQuery): PreparedQueryError {
  return new PreparedQueryError(`parameter ${name} is ${value === undefined ? 'undefined' : 'not a scalar'} (${compiled.sql})`);
}

/**
 * The compiled query with other parameter values. Its node and id stay as they were: the
 * drivers read only the SQL and the parameters, and the id only reaches plugins (we have none;
 * Kysely's keep nothing per id).
 */
export function withParameters<Row>(compiled: CompiledQuery<Row>, parameters: unknown[]): CompiledQuery<Row> {
  return { ...compiled, parameters };
}

/** Markers for the builder; reading a parameter that is not named is a mistake, caught here. */
function markersFor<P>(names: readonly string[]): P {
  const markers: Record<string, string> = {};
  for (const name of names) {
    if (Object.hasOwn(markers, name)) throw new PreparedQueryError(`parameter ${name} is named twice`);
    markers[name] = `${MARKER}${name}\u0000`;
  }
  // The builder sees P; while compiling, every value is its marker instead.
  return new Proxy(markers, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !Object.hasOwn(target, key)) {
        throw new PreparedQueryError(`the builder reads parameter ${key}, which is not among the names [${names.join(', ')}]`);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as unknown as P;
}

/** Where each parameter is bound; every name exactly once, every other value a constant. */
function locate(compiled: CompiledQuery, names: readonly string[]): Map<string, number> {
  if (compiled.sql.includes(MARKER)) {
    throw new PreparedQueryError(`a parameter is written into the SQL text rather than bound: ${printable(compiled.sql)}`);
  }
  const byMarker = new Map(names.map((name) => [`${MARKER}${name}\u0000`, name]));
  const slots = new Map<string, number>();
  compiled.parameters.forEach((value, index) => {
    if (!mentionsMarker(value)) return;
    const name = typeof value === 'string' ? byMarker.get(value) : undefined;
    if (name === undefined) {
      throw new PreparedQueryError(`the builder changes a parameter before binding it (${JSON.stringify(value)}) in ${compiled.sql}`);
    }
    if (slots.has(name)) throw new PreparedQueryError(`parameter ${name} is bound more than once in ${compiled.sql}`);
    slots.set(name, index);
  });
  const unbound = names.filter((name) => !slots.has(name));
  if (unbound.length > 0) throw new PreparedQueryError(`parameters ${unbound.join(', ')} are never bound in ${compiled.sql}`);
  return slots;
}

/** A marker as the value, inside a string made from it, or inside an object (bound as JSON). */
function mentionsMarker(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(MARKER);
  return typeof value === 'object' && value !== null && (JSON.stringify(value) ?? '').includes(JSON.stringify(MARKER).slice(1, -1));
}

const printable = (text: string) => text.replaceAll('\u0000', '\\0');
