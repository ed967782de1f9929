import type { FastifyInstance } from 'fastify';
import { adminAuth } from '../http/admin-auth.js';
import { buildHttpServer } from '../http/server.js';
import { sandboxRoutes } from '../whatsapp/sandbox/sandbox-routes.js';
import type { Orderline } from './compose.js';
import { targetFoundSince } from '../use-cases/link-target.js';
import { VERSION } from './version.js';

/** How long the built-in sandbox gathers the statuses of one account for one webhook POST. */
const SANDBOX_STATUS_BATCH_MS = 50;

/** The HTTP application over a composed Orderline. */
export function httpAppFor(orderline: Orderline, adminToken: string): Promise<FastifyInstance> {
  return buildHttpServer({
    logger: orderline.logger,
    debugEnabled: orderline.logger.isLevelEnabled('debug'),
    version: VERSION,
    publicUrl: orderline.config.publicUrl,
    guest: {
      auth: orderline.guestAuth,
      ingestion: orderline.ingestion,
      rateLimit: orderline.guestRateLimit,
      bodyLimit: orderline.config.bodyLimitBytes,
    },
    admin: { adminToken, tenants: orderline.tenants, events: orderline.events },
    adminMessages: { tenants: orderline.tenants, messages: orderline.messageOps, alerts: orderline.alerts, carts: orderline.carts },
    webhook: {
      receiver: orderline.webhookReceiver,
      verifyToken: orderline.config.whatsapp.verifyToken,
      subjectsOf: orderline.subjectsOf,
    },
    links: {
      links: orderline.links,
      clock: orderline.clock,
      targetFoundSince: (token, link) => targetFoundSince({ links: orderline.links, messages: orderline.messages, events: orderline.events }, token, link),
    },
    ops: { metrics: orderline.metrics, checkReady: () => orderline.checkReady() },
    adminConversations: { tenants: orderline.tenants, conversations: orderline.conversationOps },
    // The built-in sandbox: tenants without Meta credentials send here, operators play the customer.
    plugins: [
      (app) =>
        sandboxRoutes(app, {
          directory: orderline.accounts.sandboxDirectory(),
          authorizeOperator: adminAuth(adminToken),
          publicUrl: orderline.config.publicUrl,
          // As Meta does under load, statuses due together share a webhook POST: one per status
          // was three requests per message for this same process to take in.
          statusBatchMs: SANDBOX_STATUS_BATCH_MS,
        }),
    ],
  });
}
