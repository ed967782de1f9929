/**
 * The `cursor` of a list: the `nextCursor` the same list answered, which is the id of the
 * last item of that page. Anything else (garbage, an empty string, another list's id) used to
 * be compared as text and answered a wrong page, often an empty one; it is a 400 instead.
 */
import { Type } from '@sinclair/typebox';
import { idPattern } from '../domain/ports/ids.js';

/** `prefix`: the ids the list holds (`evt`, `msg`, `ten`, `cart`, `cnv`; see domain/ports/ids.ts). */
export function cursorOf(prefix: string) {
  return Type.Optional(
    Type.String({
      pattern: idPattern(prefix),
      description: `nextCursor of the previous page of this list (an id such as ${prefix}_01m973zjpxdxnnxtvfvv5hay)`,
    }),
  );
}
