import type {} from '@fastify/swagger';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { sendFailure } from './envelope.js';

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Fastify answers an unrouted method with 404; a known path asked with the wrong method
 * answers 405 with an `Allow` header instead.
 */
export function refuseOtherMethods(app: FastifyInstance, url: string, allowed: readonly HTTPMethods[]): void {
  const allow = new Set<HTTPMethods>(allowed);
  if (allow.has('GET')) allow.add('HEAD');
  const others = ALL_METHODS.filter((m) => !allow.has(m));
  if (others.length === 0) return;
  app.route({
    method: others,
    url,
    schema: { hide: true },
    handler: async (_request, reply) => {
      reply.header('allow', [...allow].join(', '));
      return sendFailure(reply, 'methodNotAllowed');
    },
  });
}
