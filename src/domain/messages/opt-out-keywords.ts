/**
 * Typed opt-out keywords. Nothing on Meta's side handles a typed STOP, so Orderline does,
 * before any bot sees the message. Only a message that is just the keyword counts
 * ("stop", "STOP.", "unsubscribe"), so "please don't stop my order" does not.
 */
const STOP = new Set(['stop', 'unsubscribe', 'stop all', 'opt out', 'optout', 'cancel all']);
const START = new Set(['start', 'subscribe', 'unstop', 'resume']);

export type Keyword = 'stop' | 'start';

export function optOutKeyword(text: string | null): Keyword | null {
  if (text === null) return null;
  const word = text.trim().toLowerCase().replace(/[.!\s]+$/u, '').replace(/\s+/g, ' ');
  if (STOP.has(word)) return 'stop';
  if (START.has(word)) return 'start';
  return null;
}
