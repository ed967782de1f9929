/**
 * `GET /r/{token}`: the links in template buttons. A 302 to the stored target, the click
 * counted; a link whose brand gave no page gets a short note instead of a dead end.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../domain/ports/clock.js';
import { redirectTarget } from '../domain/links/redirect-target.js';
import type { LinkStore, StoredLink } from '../domain/ports/link-store.js';
import { FailureSchema, sendFailure } from './envelope.js';
import { refuseOtherMethods } from './method-not-allowed.js';

const TOKEN = /^[A-Za-z0-9_-]{6,64}$/;

export interface RedirectRouteDeps {
  links: LinkStore;
  clock: Clock;
  /** A page found since for a link made without one (use-cases/link-target.ts), or null. */
  targetFoundSince?: (token: string, link: StoredLink) => Promise<string | null>;
}

export async function redirectRoutes(app: FastifyInstance, deps: RedirectRouteDeps): Promise<void> {
  app.get<{ Params: { token: string } }>(
    '/r/:token',
    {
      schema: {
        tags: ['links'],
        summary: 'Follow a message link (302), counting the click',
        response: {
          302: { description: 'To the link target, in Location', type: 'null' },
          200: { description: 'A page (text/html) saying the store has not shared a tracking page yet', type: 'string' },
          404: { ...FailureSchema, description: 'No such link' },
        },
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      if (!TOKEN.test(token)) return sendFailure(reply, 'notFound');
      // HEAD is what link previews and crawlers send: answered alike, not counted as a click.
      const link = request.method === 'HEAD' ? await deps.links.find(token) : await deps.links.click(token, deps.clock.now());
      if (link === undefined) return sendFailure(reply, 'notFound');
      // Links stored before targets were checked when made may hold one no header can carry.
      let target = redirectTarget(link.target);
      // Made without a page: the shipment may have brought one since.
      if (link.target === null) target = (await deps.targetFoundSince?.(token, link)) ?? null;
      if (target !== null) return reply.code(302).header('location', target).header('cache-control', 'no-store').send();
      return reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Order status</title>' +
            '<p>The store has not shared a tracking page for this order yet. You will get a WhatsApp message when it moves.</p>',
        );
    },
  );
  refuseOtherMethods(app, '/r/:token', ['GET']);
}
