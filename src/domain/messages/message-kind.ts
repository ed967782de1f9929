/**
 * What a message is for: a notification (a template, sent for an event or a cart) or a
 * service message inside the customer's 24-hour window. The admin API filters by these, so
 * a misspelt kind is refused instead of listing nothing.
 */
import { NOTIFICATION_KINDS } from '../tenants/tenant-settings.js';

export const SERVICE_MESSAGE_KINDS = ['bot_reply', 'opt_out_confirmation', 'opt_in_confirmation'] as const;
export type ServiceMessageKind = (typeof SERVICE_MESSAGE_KINDS)[number];

export const MESSAGE_KINDS = [...NOTIFICATION_KINDS, ...SERVICE_MESSAGE_KINDS] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
