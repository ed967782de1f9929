/** An executor for prepared-query tests that records the compiled queries it is given instead of running them. */
import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export function recorder(): { executor: Kysely<Database>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const executeQuery = async (query: CompiledQuery): Promise<QueryResult<unknown>> => {
    queries.push(query);
    return { rows: [] };
  };
  // Only executeQuery is ever called on an executor; the rest of Kysely is not needed here.
  return { executor: { executeQuery } as unknown as Kysely<Database>, queries };
}
