/**
 * U+0000 in what a request names or sends. PostgreSQL's text cannot hold it (SQLite can), so
 * an id, a cursor or a name carrying one reached the database on PostgreSQL and failed there:
 * a 500 for the client's input, and an event stored on one database refused by the other.
 * Refused at the edge instead, alike on both: a 400 naming where it was.
 */
import type { FastifyInstance } from 'fastify';
import { HttpFailure } from './envelope.js';

export const NUL_MESSAGE = 'must not contain the character U+0000';

/**
 * The JSON pointer of the first string or key holding U+0000, or null. Bounded by the
 * nesting the JSON parser allows (MAX_JSON_DEPTH); params and query strings are flat.
 */
export function nulPath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const here = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (key.includes('\u0000')) return here;
    const found = nulPath(item, here);
    if (found !== null) return found;
  }
  return null;
}

/** The 400 for a JSON body holding U+0000 (json-body.ts), or null for one that does not. */
export function nulInBody(text: string, parsed: unknown): HttpFailure | null {
  // JSON can only carry U+0000 escaped: text without the escape holds none, and most bodies stop here.
  if (!text.includes('\\u0000')) return null;
  const at = nulPath(parsed);
  return at === null ? null : new HttpFailure('badPayload', { details: [{ path: at, message: NUL_MESSAGE }] });
}

/** Path parameters and query strings holding U+0000 (decoded from %00) are a 400, before any route reads them. */
export function refuseNulInNames(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    for (const [where, value] of [
      ['params', request.params],
      ['querystring', request.query],
    ] as const) {
      const at = nulPath(value);
      if (at !== null) {
        done(new HttpFailure('badPayload', { details: [{ path: `${where}:${at}`, message: NUL_MESSAGE }] }));
        return;
      }
    }
    done();
  });
}
