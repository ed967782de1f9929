/**
 * Everything the order assistant says, by name. A tenant overrides any of them in
 * `bot.texts`; `{placeholders}` are filled in when the text is used.
 */
export const DEFAULT_BOT_TEXTS = {
  greeting: 'Hi{name}! I am the {store} order assistant. What would you like to do?',
  menuButton: 'Options',
  'menu.track': 'Track an order',
  'menu.cancel': 'Cancel an order',
  'menu.details': 'My details',
  'menu.human': 'Talk to a person',
  fallback: "Sorry, I didn't get that. Type \"menu\" to see what I can do, or send your order number (like #1001).",
  pickOrderToTrack: 'Which order would you like to track?',
  pickOrderToCancel: 'Which order would you like to cancel?',
  noOrders: "I couldn't find any orders for this WhatsApp number.",
  orderNotFound: "I couldn't find order {number}. Please check the number and try again.",
  // Worded as orderNotFound on purpose: a different answer would tell a customer which order
  // numbers exist at the store.
  notYourOrder: "I couldn't find order {number}. Please check the number and try again.",
  orderStatus: 'Order {number}: {status}.{items}{tracking}',
  confirmCancel: 'Cancel order {number}? This cannot be undone.',
  'cancel.yes': 'Yes, cancel it',
  'cancel.no': 'No, keep it',
  pickReason: 'Why would you like to cancel order {number}?',
  'reason.changed_mind': 'Changed my mind',
  'reason.ordered_by_mistake': 'Ordered by mistake',
  'reason.found_cheaper': 'Found it cheaper',
  'reason.delivery_too_slow': 'Delivery too slow',
  'reason.other': 'Other reason',
  cancelled: 'Order {number} has been cancelled. You will get a confirmation shortly.',
  cancelKept: 'OK, order {number} stays as it is.',
  cannotCancelShipped: 'Order {number} has already been {status}, so I cannot cancel it here. Would you like to talk to a person?',
  nothingToCancel: 'Your recent orders have already shipped or been cancelled, so there is nothing I can cancel here. Would you like to talk to a person?',
  cancelRefused: "The store couldn't cancel order {number} right now. Would you like to talk to a person?",
  cancelUnconfirmed: "The store did not confirm in time whether order {number} was cancelled. Please ask me about the order again in a few minutes before trying once more.",
  details: 'Here is what {store} has for you:\n{details}',
  noDetails: "I couldn't find your details for this WhatsApp number.",
  handoff: 'Connecting you with a person from {store}. They will reply here soon.',
  released: 'You are back with the {store} order assistant. Type "menu" to see the options.',
  tryLater: 'Sorry, I cannot reach the store right now. Please try again in a few minutes.',
  codConfirmed: 'Thank you! Order {number} is confirmed and will be shipped soon.',
  noPhone: 'Order look-ups need your phone number, and WhatsApp did not share it with us. Please write to the store from the number you ordered with.',
  'talk.human': 'Talk to a person',
} as const;

export type BotTextName = keyof typeof DEFAULT_BOT_TEXTS;

export function botText(overrides: Readonly<Record<string, string | undefined>>, name: BotTextName, values: Record<string, string> = {}): string {
  const template = overrides[name] ?? DEFAULT_BOT_TEXTS[name];
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? (whole === '{name}' ? '' : whole));
}

/**
 * The most characters WhatsApp takes where a text is shown: a reply button's title or a list's
 * button 20, a list row's title 24, an interactive message's body 1,024 (the reference's limits).
 */
export function botTextLimit(name: BotTextName): number {
  if (name === 'menuButton' || name === 'talk.human' || name.startsWith('cancel.')) return 20;
  if (name.startsWith('menu.') || name.startsWith('reason.')) return 24;
  return 1024;
}

/** Texts shown side by side in one message: Meta refuses, or we drop, buttons and rows with one title. */
const SHOWN_TOGETHER: readonly (readonly BotTextName[])[] = [
  ['cancel.yes', 'cancel.no'],
  ['menu.track', 'menu.cancel', 'menu.details', 'menu.human'],
  (Object.keys(DEFAULT_BOT_TEXTS) as BotTextName[]).filter((name) => name.startsWith('reason.')),
];

/** Overrides that would give two buttons or rows of one message the same title. */
export function collidingBotTexts(overrides: Readonly<Record<string, string | undefined>>): { name: BotTextName; sameAs: BotTextName }[] {
  const found: { name: BotTextName; sameAs: BotTextName }[] = [];
  for (const group of SHOWN_TOGETHER) {
    const seen = new Map<string, BotTextName>();
    for (const name of group) {
      const title = (overrides[name] ?? DEFAULT_BOT_TEXTS[name]).trim().toLowerCase();
      const first = seen.get(title);
      if (first !== undefined && overrides[name] !== undefined) found.push({ name, sameAs: first });
      else if (first !== undefined) found.push({ name: first, sameAs: name });
      else seen.set(title, name);
    }
  }
  return found;
}
