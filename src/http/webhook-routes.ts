/**
 * Meta's webhook: `GET /webhooks/whatsapp` answers the verification challenge;
 * `POST` takes up to 3 MB, checks X-Hub-Signature-256 on the raw bytes, persists, answers.
 */
import type { FastifyInstance } from 'fastify';
import type { WebhookReceiver, WebhookSubjects } from '../use-cases/receive-webhook.js';
import { SUCCESS, sendFailure } from './envelope.js';
import type { Metrics } from './metrics.js';
import { refuseOtherMethods } from './method-not-allowed.js';

export interface WebhookRouteDeps {
  receiver: WebhookReceiver;
  verifyToken: string | undefined;
  metrics: Metrics;
  /**
   * Reads which phone numbers and WhatsApp Business Accounts a webhook body is about, and the
   * fields of the changes Orderline ignores (the WhatsApp adapter knows Meta's shape).
   */
  subjectsOf: (body: unknown) => WebhookSubjects & { ignoredFields: readonly string[] };
}

const NO_SUBJECTS: WebhookSubjects = { phoneNumberIds: [], businessAccountIds: [] };

/** A field name as a metric label: Meta's are snake_case words; anything else is one label, not many. */
function fieldLabel(field: string): string {
  return /^[a-z0-9_]{1,64}$/.test(field) ? field : 'other';
}

const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  // The signature covers the exact bytes: keep them, never a re-serialised body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/webhooks/whatsapp',
    { schema: { tags: ['whatsapp'], summary: "Meta's webhook verification (hub.challenge)" } },
    async (request, reply) => {
      const q = request.query;
      if (deps.verifyToken === undefined || q['hub.mode'] !== 'subscribe' || q['hub.verify_token'] !== deps.verifyToken) {
        return sendFailure(reply, 'forbidden');
      }
      // Meta sends the challenge once; repeated, the query parser gives a list.
      const challenge: unknown = q['hub.challenge'];
      if (typeof challenge !== 'string' || challenge === '') {
        return sendFailure(reply, 'badPayload', { details: [{ path: 'querystring:hub.challenge', message: 'must be given once, not empty' }] });
      }
      return reply.type('text/plain; charset=utf-8').send(challenge);
    },
  );

  app.post(
    '/webhooks/whatsapp',
    { bodyLimit: WEBHOOK_BODY_LIMIT, schema: { tags: ['whatsapp'], summary: "Meta's webhook: statuses, customers' messages, preferences, and account-level changes (templates, quality, account updates)" } },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['x-hub-signature-256'];
      const signature = typeof header === 'string' ? header : undefined;
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        // The signature first (BRIEF: 401 when it is missing or wrong); a body that is not JSON names no tenant.
        const checked = await deps.receiver.receive(raw, signature, NO_SUBJECTS);
        if (checked.status === 'bad_signature') return sendFailure(reply, 'unauthorized');
        return sendFailure(reply, 'badPayload', { details: [{ path: '', message: 'malformed JSON' }] });
      }
      const subjects = deps.subjectsOf(body);
      const result = await deps.receiver.receive(raw, signature, subjects);
      if (result.status === 'bad_signature') {
        request.log.warn('webhook refused: missing or wrong X-Hub-Signature-256');
        return sendFailure(reply, 'unauthorized');
      }
      for (const id of result.unknownNumbers) {
        deps.metrics.webhookUnknownNumbers.inc();
        request.log.info({ phoneNumberId: id }, 'webhook for an unknown phone number id dropped');
      }
      for (const id of result.unknownAccounts) {
        deps.metrics.webhookUnknownAccounts.inc();
        request.log.info({ businessAccountId: id }, 'webhook for an unknown WhatsApp Business Account id dropped');
      }
      if (result.signedWithSecretOf.length > 0) {
        // The operator's hint: this tenant's Meta app sends for a number or WABA Orderline does not know.
        request.log.info(
          { signedWithSecretOf: result.signedWithSecretOf, businessAccountIds: result.unknownAccounts, phoneNumberIds: result.unknownNumbers },
          "webhook naming no tenant taken: signed with a tenant's own app secret (set its whatsapp.businessAccountId to route such webhooks)",
        );
      }
      for (const field of subjects.ignoredFields) deps.metrics.webhookIgnoredChanges.inc({ field: fieldLabel(field) });
      return reply.send(SUCCESS);
    },
  );
  refuseOtherMethods(app, '/webhooks/whatsapp', ['GET', 'POST']);
}
