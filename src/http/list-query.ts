/**
 * The query of an admin list: `?limit=` (1-200, default 50), `?cursor=` (the nextCursor of
 * the page before) and the list's own filters. Any other parameter is refused: a misspelt
 * filter (`?status=` for `?state=`) would list everything and look as if it had filtered.
 */
import { Type, type TProperties } from '@sinclair/typebox';
import type { PageRequest } from '../domain/ports/page.js';
import { HttpFailure } from './envelope.js';
import { cursorOf } from './page-cursor.js';

/** `prefix`: the ids the list holds, which its cursors are (see page-cursor.ts). */
export function listQuery<F extends TProperties>(prefix: string, filters: F = {} as F) {
  return Type.Object(
    {
      limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'Page size, 1-200 (default 50)' })),
      cursor: cursorOf(prefix),
      ...filters,
    },
    { additionalProperties: false },
  );
}

export function pageRequest(query: { limit?: string; cursor?: string }): PageRequest {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new HttpFailure('badPayload', { details: [{ path: 'querystring:/limit', message: 'must be an integer from 1 to 200' }] });
  }
  return { limit, cursor: query.cursor ?? null };
}
