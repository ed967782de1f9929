/**
 * A prepared query over a list of rows (a multi-row insert, a `(…) IN ((…), (…))` look-up):
 * compiled once for each of a few numbers of rows (powers of two; a list runs in such parts),
 * then run again and again with new values. The guest API
 * writes each group commit with a handful of such statements; building and compiling them
 * with Kysely for every batch cost about as much CPU as SQLite took to run them.
 *
 * The rules of prepared-query.ts hold for each row: the builder must be a straight-line
 * function of the rows' values (no branching on a value, no conversion, no nested list), and
 * each row's every named value must be bound exactly once. The builder gets the rows as
 * markers, one object per row, and must give each row its own place in the query. A list
 * that runs in parts returns the parts' rows one after the other: an ORDER BY orders each part.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { bindable, compileMarked, PreparedQueryError, refusedValue, withParameters, type Params } from './prepared-query.js';
import type { Database } from './schema.js';

export interface PreparedRowsQuery<P, Row> {
  /** Runs on the database it was prepared on, or on one of its transactions (`executor`). */
  execute(rows: readonly P[], executor?: Kysely<Database>): Promise<QueryResult<Row>>;
}

/** Where one row's value goes: the row's field and the parameter's index. */
interface Slot<P> {
  row: number;
  name: keyof P;
  index: number;
}

interface Compiled<P, Row> {
  compiled: CompiledQuery<Row>;
  slots: Slot<P>[];
}

/** Names within one compiled query: `3:id` is row 3's id. */
const flatName = (row: number, name: string) => `${row}:${name}`;

/**
 * `names`: every field of a row (each must be bound once per row). Compiles a variant for a
 * number of rows on its first use; `maxRows` (a power of two) is the largest part.
 */
export function prepareRowsQuery<P extends Params<P>, Row>(
  db: Kysely<Database>,
  names: readonly (keyof P & string)[],
  build: (rows: readonly P[]) => Compilable<Row>,
  maxRows: number,
): PreparedRowsQuery<P, Row> {
  if (!Number.isInteger(Math.log2(maxRows))) throw new PreparedQueryError(`maxRows must be a power of two, not ${maxRows}`);
  const bySize = new Map<number, Compiled<P, Row>>();

  const compileFor = (size: number): Compiled<P, Row> => {
    const flatNames: string[] = [];
    const fieldOf = new Map<string, { row: number; name: keyof P & string }>();
    for (let row = 0; row < size; row++) {
      for (const name of names) {
        const flat = flatName(row, name);
        flatNames.push(flat);
        fieldOf.set(flat, { row, name });
      }
    }
    const { compiled, slots } = compileMarked(flatNames, (flat: Record<string, unknown>) => {
      const rows = Array.from({ length: size }, (_, row) => rowView<P>(flat, row, names));
      return build(rows);
    });
    return { compiled, slots: [...slots].map(([flat, index]) => ({ ...fieldOf.get(flat)!, index })) };
  };

  const run = (rows: readonly P[], executor: Kysely<Database>): Promise<QueryResult<Row>> => {
    let prepared = bySize.get(rows.length);
    if (prepared === undefined) {
      prepared = compileFor(rows.length);
      bySize.set(rows.length, prepared);
    }
    const { compiled, slots } = prepared;
    const parameters = compiled.parameters.slice();
    for (const slot of slots) {
      const value: unknown = rows[slot.row]![slot.name];
      // The name is built only for a value refused: this loop runs for every value of a batch.
      if (!bindable(value)) throw refusedValue(value, `${String(slot.name)} of row ${slot.row}`, compiled);
      parameters[slot.index] = value;
    }
    return executor.executeQuery(withParameters(compiled, parameters));
  };

  return {
    execute: async (rows, executor = db) => {
      if (rows.length === 0) throw new PreparedQueryError('a prepared rows query needs at least one row');
      const sizes = partSizes(rows.length, maxRows);
      if (sizes.length === 1) return run(rows, executor);
      const result: { rows: Row[]; numAffectedRows?: bigint } = { rows: [] };
      let start = 0;
      for (const size of sizes) {
        const part = await run(rows.slice(start, start + size), executor);
        start += size;
        result.rows.push(...part.rows);
        if (part.numAffectedRows !== undefined) result.numAffectedRows = (result.numAffectedRows ?? 0n) + part.numAffectedRows;
      }
      return result;
    },
  };
}

/**
 * The parts a list of `count` rows runs in: powers of two, largest first, none over
 * `maxRows` (37 rows: 32, 4, 1). Compiling a variant takes milliseconds, so a variant per
 * number of rows meant a stall of the event loop for each batch size seen the first time;
 * this way there are at most log2(maxRows) + 1, and a part costs a few microseconds more.
 */
export function partSizes(count: number, maxRows: number): number[] {
  const sizes: number[] = [];
  for (let left = count; left > 0; ) {
    const size = Math.min(maxRows, 2 ** Math.floor(Math.log2(left)));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** Row `row`'s fields, read from the flat markers (a field not named is refused there). */
function rowView<P>(flat: Record<string, unknown>, row: number, names: readonly string[]): P {
  const view: Record<string, unknown> = {};
  for (const name of names) view[name] = flat[flatName(row, name)];
  return new Proxy(view, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !Object.hasOwn(target, key)) {
        throw new PreparedQueryError(`the builder reads field ${key}, which is not among the names [${names.join(', ')}]`);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as P;
}
