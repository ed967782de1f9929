/**
 * The one catalogue of client-visible errors (BRIEF.md's table). Every answer that is not
 * a success is `{status:"failure", statusCode, error[, details]}` with statusCode equal to
 * the HTTP status, on the guest API and the admin API alike.
 */
import type { FastifyReply } from 'fastify';

export const FAILURES = {
  badPayload: { statusCode: 400, error: 'Bad payload!!' },
  unauthorized: { statusCode: 401, error: 'Unauthorized!!' },
  forbidden: { statusCode: 403, error: 'Forbidden!!' },
  notFound: { statusCode: 404, error: 'Not Found!!' },
  methodNotAllowed: { statusCode: 405, error: 'Method Not Allowed!!' },
  requestTimeout: { statusCode: 408, error: 'Request Timeout!!' },
  conflict: { statusCode: 409, error: 'Conflict!!' },
  payloadTooLarge: { statusCode: 413, error: 'Payload Too Large!!' },
  uriTooLong: { statusCode: 414, error: 'URI Too Long!!' },
  unsupportedMediaType: { statusCode: 415, error: 'Unsupported Media Type!!' },
  tooManyRequests: { statusCode: 429, error: 'Too Many Requests!!' },
  headersTooLarge: { statusCode: 431, error: 'Request Header Fields Too Large!!' },
  internal: { statusCode: 500, error: 'Internal Server Error!!' },
  unavailable: { statusCode: 503, error: 'Service Unavailable!!' },
} as const;

export type FailureName = keyof typeof FAILURES;

export interface FailureDetail {
  path: string;
  message: string;
}

export interface FailureBody {
  status: 'failure';
  statusCode: number;
  error: string;
  details?: FailureDetail[];
  message?: string;
}

export const SUCCESS = Object.freeze({ status: 'success', statusCode: 200 });

/** The guest API's 200, as its routes (and the benchmark's baseline beside them) serialise it. */
export const SuccessSchema = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['success'] }, statusCode: { type: 'integer', enum: [200] } },
} as const;

export function failureBody(name: FailureName, extra: { details?: FailureDetail[]; message?: string } = {}): FailureBody {
  const { statusCode, error } = FAILURES[name];
  return { status: 'failure', statusCode, error, ...extra };
}

export function sendFailure(
  reply: FastifyReply,
  name: FailureName,
  extra: { details?: FailureDetail[]; message?: string } = {},
): FastifyReply {
  const body = failureBody(name, extra);
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

/** Thrown inside handlers to answer with a catalogued failure. */
export class HttpFailure extends Error {
  constructor(
    readonly failure: FailureName,
    readonly extra: { details?: FailureDetail[]; message?: string } = {},
  ) {
    super(FAILURES[failure].error);
    this.name = 'HttpFailure';
  }
}

/** The OpenAPI shape of the envelope. */
export const FailureSchema = {
  type: 'object',
  required: ['status', 'statusCode', 'error'],
  properties: {
    status: { type: 'string', enum: ['failure'] },
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;
