/** The answer of an admin list: a page of items, newest first, and the cursor of the next page. */
import { Type, type TSchema } from '@sinclair/typebox';
import { Nullable } from '../shared/answer-types.js';

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Nullable(Type.String(), { description: 'Pass as ?cursor= for the next page; null on the last page' }),
  });
}
