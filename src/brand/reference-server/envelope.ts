/**
 * The answers the seed gives for the brand APIs: `{"status":"failure","statusCode":N,
 * "error":"…"}` for every error, with `statusCode` equal to the HTTP status, and
 * `{"status":"success","statusCode":200}` for a cancel that worked. The error texts are the
 * seed's own, odd capitalisation included, because clients may compare them.
 */
import type { FastifyReply } from 'fastify';

export const BRAND_FAILURES = {
  /** `GET /order/{id}`, `/get-orders/{phone}`: the seed's text. */
  badRequest: { statusCode: 400, error: 'Bad Request!!' },
  /** `GET /personal-details…`: the seed writes it in lower case. */
  badRequestLower: { statusCode: 400, error: 'Bad request!!' },
  /** `POST /cancel-order`: a body that is not the seed's, or a cancel the shop refuses. */
  badPayload: { statusCode: 400, error: 'Bad payload!!' },
  unauthorized: { statusCode: 401, error: 'Unauthorized!!' },
  notFound: { statusCode: 404, error: 'Not Found!!' },
  conflict: { statusCode: 409, error: 'Conflict!!' },
  payloadTooLarge: { statusCode: 413, error: 'Payload Too Large!!' },
  unsupportedMediaType: { statusCode: 415, error: 'Unsupported Media Type!!' },
  internal: { statusCode: 500, error: 'Internal Server Error!!' },
} as const;

export type BrandFailureName = keyof typeof BRAND_FAILURES;

/** Sends a failure; `message` says what exactly was wrong, for the developer reading it. */
export function sendBrandFailure(reply: FastifyReply, name: BrandFailureName, message?: string): FastifyReply {
  const { statusCode, error } = BRAND_FAILURES[name];
  const body = message === undefined ? { status: 'failure', statusCode, error } : { status: 'failure', statusCode, error, message };
  return reply.code(statusCode).send(body);
}

export const BRAND_SUCCESS = Object.freeze({ status: 'success', statusCode: 200 });
