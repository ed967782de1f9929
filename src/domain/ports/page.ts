/** Lists page newest first by opaque id cursors (ids sort by creation time). */
export interface PageRequest {
  limit: number;
  /** The last id of the previous page; the next page starts after it. */
  cursor: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
