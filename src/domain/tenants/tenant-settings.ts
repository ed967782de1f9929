/**
 * The whole tenant configuration of BRIEF.md as one schema with documented defaults
 * (docs/tenants.md). Later issues fill in behaviour; the shape is settled here.
 * Secrets (WhatsApp token and app secret, brand API key) are not part of the settings:
 * they travel separately and are sealed at rest (see tenant-secrets.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_BOT_TEXTS, botTextLimit, type BotTextName } from '../bot/bot-texts.js';
import { TemplateMapping } from '../templates/template-mapping.js';

export const NOTIFICATION_KINDS = [
  'order_confirmed',
  'order_confirmed_cod',
  'order_cancelled',
  'order_shipped',
  'order_dispatched',
  'order_in_transit',
  'order_delivered',
  'order_returned',
  'cart_reminder',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** "30m", "6h", "10s", "7d". */
const DURATION_PATTERN = '^[1-9][0-9]{0,6}(s|m|h|d)$';
export const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'e.g. "10s", "30m", "6h", "7d"' });
const durationDefaulting = (value: string) =>
  Type.String({ pattern: DURATION_PATTERN, default: value, description: 'e.g. "10s", "30m", "6h", "7d"' });

export const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour clock' });

const NotificationSetting = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    template: Type.Union([TemplateMapping, Type.Null()], { default: null, description: 'null: the default catalog template' }),
  },
  { additionalProperties: false, default: {} },
);

const notificationProperties = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, NotificationSetting])) as Record<
  NotificationKind,
  typeof NotificationSetting
>;

export const CartReminderStep = Type.Object(
  {
    after: Duration,
    template: Type.Union([TemplateMapping, Type.Null()], { default: null }),
  },
  { additionalProperties: false },
);

/**
 * What a tenant may say instead of the assistant's defaults: only the texts it has, each with
 * something to say and within what WhatsApp takes where it is shown (a reply button's title
 * 20 characters, a list row's 24, a message body 1,024). An empty or over-long text, or a
 * misspelt name, was stored and then failed the assistant's sends (131009) or did nothing.
 */
const BotTexts = Type.Object(
  Object.fromEntries(
    (Object.keys(DEFAULT_BOT_TEXTS) as BotTextName[]).map((name) => [
      name,
      Type.Optional(Type.String({ minLength: 1, maxLength: botTextLimit(name), pattern: '\\S' })),
    ]),
  ),
  { additionalProperties: false, default: {}, description: 'Overrides of the assistant texts, by name (docs/assistant.md)' },
);

export const TenantSettings = Type.Object(
  {
    timezone: Type.String({ default: 'Asia/Kolkata', description: 'IANA time zone' }),
    defaultCountry: Type.String({ pattern: '^[A-Z]{2}$', default: 'IN', description: 'ISO 3166-1 alpha-2' }),
    locale: Type.String({
      minLength: 2,
      maxLength: 35,
      default: 'en-IN',
      description: 'BCP 47 locale of money and dates in messages, e.g. "en-IN" (₹1,499.00, 26 Oct 2021), "en-US", "de-DE"',
    }),
    whatsapp: Type.Object(
      {
        phoneNumberId: Type.Union([Type.String({ pattern: '^[0-9]{1,32}$' }), Type.Null()], { default: null }),
        businessAccountId: Type.Union([Type.String({ pattern: '^[0-9]{1,32}$' }), Type.Null()], {
          default: null,
          description:
            "The WhatsApp Business Account (WABA) id of the number, as Meta's API Setup shows it. Meta's account-level webhooks " +
            '(template status, quality and messaging-limit, account updates) name only this id: with it they reach the tenant as alerts, ' +
            'checked with its app secret. Several tenants may share one WABA. null: they are answered 200 and dropped (docs/notifications.md)',
        }),
        messagesPerSecond: Type.Integer({ minimum: 1, maximum: 1000, default: 80 }),
      },
      { additionalProperties: false, default: {} },
    ),
    brandApi: Type.Object(
      {
        baseUrl: Type.Union([Type.String({ pattern: '^https?://', maxLength: 2000 }), Type.Null()], { default: null }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 5000 }),
        phoneFormat: Type.Union([Type.Literal('e164'), Type.Literal('digits'), Type.Literal('national')], {
          default: 'digits',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    notifications: Type.Object(notificationProperties, { additionalProperties: false, default: {} }),
    cartRecovery: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        reminders: Type.Array(CartReminderStep, {
          maxItems: 10,
          default: [{ after: '30m' }, { after: '4h' }, { after: '24h' }],
        }),
        quietHours: Type.Union(
          [Type.Object({ start: TimeOfDay, end: TimeOfDay }, { additionalProperties: false }), Type.Null()],
          { default: { start: '21:00', end: '09:00' } },
        ),
        expireAfter: Type.Union([Duration, Type.Null()], { default: '7d', description: 'null: carts never expire' }),
        discountCode: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], { default: null }),
        attributionWindow: durationDefaulting('7d'),
        suppression: Type.Object(
          {
            afterOrderConfirmation: Type.Union([Duration, Type.Null()], {
              default: '24h',
              description: 'No cart reminder this long after an order confirmation to the same customer; null: off',
            }),
            perCustomer: Type.Union([Duration, Type.Null()], {
              default: '24h',
              description: 'At most one cart reminder per customer in this window across carts; null: off',
            }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    bot: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        texts: BotTexts,
        idleTimeout: durationDefaulting('30m'),
      },
      { additionalProperties: false, default: {} },
    ),
    guestApi: Type.Object(
      {
        requestsPerSecond: Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()], {
          default: null,
          description: 'null: no per-tenant limit; otherwise over it answers 429',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type TenantSettings = Static<typeof TenantSettings>;
