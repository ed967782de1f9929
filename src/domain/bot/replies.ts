/**
 * The shapes of the assistant's replies, within Meta's limits for interactive messages:
 * at most 3 reply buttons (titles ≤ 20 characters, unique), at most 10 list rows (titles
 * ≤ 24, descriptions ≤ 72), a body ≤ 1024 (4096 for plain text).
 */
import { truncate } from '../templates/template-text.js';

export type Reply =
  | { type: 'text'; text: string }
  | { type: 'buttons'; text: string; buttons: { id: string; title: string }[] }
  | { type: 'list'; text: string; button: string; rows: { id: string; title: string; description?: string }[] };

/** The Cloud API body for a reply (without `to`), with every limit applied. */
export function replyBody(reply: Reply): { type: string } & Record<string, unknown> {
  switch (reply.type) {
    case 'text':
      return { type: 'text', text: { body: truncate(reply.text, 4096), preview_url: false } };
    case 'buttons': {
      const seen = new Set<string>();
      const buttons = reply.buttons
        .map((b) => ({ id: truncate(b.id, 256), title: truncate(b.title, 20) }))
        .filter((b) => !seen.has(b.title) && seen.add(b.title))
        .slice(0, 3);
      return {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: truncate(reply.text, 1024) },
          action: { buttons: buttons.map((b) => ({ type: 'reply', reply: b })) },
        },
      };
    }
    case 'list':
      return {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: truncate(reply.text, 1024) },
          action: {
            button: truncate(reply.button, 20),
            sections: [
              {
                title: truncate(reply.button, 24),
                rows: reply.rows.slice(0, 10).map((r) => ({
                  id: truncate(r.id, 200),
                  title: truncate(r.title, 24),
                  ...(r.description !== undefined ? { description: truncate(r.description, 72) } : {}),
                })),
              },
            ],
          },
        },
      };
  }
}

/** Several things to say in one message (one reply per inbound message keeps the pair rate). */
export function merge(first: Reply, extra: string): Reply {
  return { ...first, text: `${extra}\n\n${first.text}` };
}
