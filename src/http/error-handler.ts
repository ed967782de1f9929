/**
 * Turns every error into the envelope: catalogued HTTP failures, use-case errors, Fastify's
 * own (validation, content type, body size) and, last, unexpected faults as a logged 500
 * with no detail leaked to the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, InvalidInputError, NotFoundError } from '../use-cases/errors.js';
import { HttpFailure, sendFailure, type FailureDetail, type FailureName } from './envelope.js';

interface AjvError {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

function validationDetails(errors: AjvError[], context: string | undefined): FailureDetail[] {
  const prefix = context === undefined || context === 'body' ? '' : `${context}:`;
  // "must match then/else schema" only repeats, at the top, what the branch's own errors say.
  return errors.filter((e) => e.keyword !== 'if').slice(0, 20).map((e) => {
    const missing = e.params?.missingProperty;
    const extra = e.params?.additionalProperty;
    const path = (e.instancePath ?? '') + (missing !== undefined ? `/${missing}` : extra !== undefined ? `/${extra}` : '');
    return { path: prefix + path, message: e.message ?? 'is invalid' };
  });
}

const BY_CODE: Record<string, FailureName> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupportedMediaType',
  FST_ERR_CTP_INVALID_TYPE: 'unsupportedMediaType',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payloadTooLarge',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'badPayload',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'badPayload',
};

const BY_STATUS: Record<number, FailureName> = {
  401: 'unauthorized',
  404: 'notFound',
  405: 'methodNotAllowed',
  409: 'conflict',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
  429: 'tooManyRequests',
};

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpFailure) return sendFailure(reply, error.failure, error.extra);
  if (error instanceof InvalidInputError) return sendFailure(reply, 'badPayload', { details: error.issues });
  if (error instanceof NotFoundError) return sendFailure(reply, 'notFound', { message: error.message });
  if (error instanceof ConflictError) return sendFailure(reply, 'conflict', { message: error.message });
  if (Array.isArray(error.validation)) {
    return sendFailure(reply, 'badPayload', {
      details: validationDetails(error.validation, error.validationContext),
    });
  }
  const byCode = error.code === undefined ? undefined : BY_CODE[error.code];
  if (byCode !== undefined) {
    if (byCode === 'badPayload') return sendFailure(reply, byCode, { details: [{ path: '', message: error.message }] });
    return sendFailure(reply, byCode);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return sendFailure(reply, BY_STATUS[status] ?? 'badPayload');
  }
  request.log.error({ err: error, tenant: request.guest?.tenantId }, 'unexpected fault while handling a request');
  return sendFailure(reply, 'internal');
}
