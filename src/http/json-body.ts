/** JSON request bodies: lossless for long integers, the raw text kept, errors in the envelope. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JsonTooDeepError, parseJsonLossless } from '../shared/lossless-json.js';
import { HttpFailure } from './envelope.js';
import { nulInBody } from './nul-characters.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received (for hashing, storing and signatures). */
    rawBody?: string;
  }
  interface FastifyContextConfig {
    /**
     * The route takes no body or an optional one (rotate a key, retry, take, release): an empty
     * one sent as JSON is no body, since many clients label every request application/json.
     */
    bodyOptional?: boolean;
  }
}

/** Route config for routes whose body is optional. */
export const BODY_OPTIONAL = { bodyOptional: true } as const;

function describe(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : 'invalid JSON';
}

export function registerJsonBody(app: FastifyInstance): void {
  // Fastify also parses text/plain by default; only JSON is accepted here (anything else: 415),
  // and JSON merge patches (RFC 7386's media type) for the admin API's PATCH.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
        // RFC 9110 answers an unsupported content coding with 415; parsing the compressed bytes
        // as text would only report malformed JSON.
        done(new HttpFailure('unsupportedMediaType', { message: `Content-Encoding "${encoding.slice(0, 40)}" is not accepted; send the body uncompressed` }));
        return;
      }
      // JSON is UTF-8 (RFC 8259): bytes in another charset would be stored, and sent on, garbled.
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(new HttpFailure('unsupportedMediaType', { message: `charset "${charset.slice(0, 40)}" is not accepted; send JSON in UTF-8` }));
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      request.rawBody = text;
      if (text.trim() === '') {
        if (request.routeOptions.config.bodyOptional === true) {
          done(null, undefined);
          return;
        }
        done(new HttpFailure('badPayload', { details: [{ path: '', message: 'body is empty; send a JSON object' }] }));
        return;
      }
      let parsed: unknown;
      try {
        parsed = parseJsonLossless(text);
      } catch (error) {
        const message = error instanceof JsonTooDeepError ? `JSON ${error.message}` : `malformed JSON: ${describe(error)}`;
        done(new HttpFailure('badPayload', { details: [{ path: '', message }] }));
        return;
      }
      const nul = nulInBody(text, parsed);
      if (nul !== null) done(nul);
      else done(null, parsed);
    },
  );
}
