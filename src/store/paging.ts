import type { Page } from '../domain/ports/page.js';

/** Fetches one row more than asked to learn whether a next page exists. */
export function toPage<Row extends { id: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? (kept[kept.length - 1]?.id ?? null) : null };
}
