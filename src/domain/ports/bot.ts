/**
 * Where customers' messages go after Orderline itself has looked at them (opt-out keywords
 * are handled before). The order assistant implements it; until then nothing answers.
 * Deliberately left out: anything about how replies are sent (the bot plans messages itself).
 */
import type { InboundMessage } from './customer-store.js';

export interface Bot {
  handle(message: InboundMessage): Promise<void>;
}

export const silentBot: Bot = { handle: async () => {} };
