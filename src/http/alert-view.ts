/** A tenant's alerts as the admin API lists them, with whether its sending is paused. */
import { Type, type Static } from '@sinclair/typebox';
import type { RaisedAlert } from '../domain/ports/alert-store.js';
import type { Page } from '../domain/ports/page.js';
import { IsoTime, Nullable } from '../shared/answer-types.js';
import { PageOf } from './list-page.js';

const AlertView = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: 'What went wrong, e.g. a token Meta refused or a template it rejected' }),
  detail: Type.String(),
  createdAt: IsoTime({ description: 'When it was raised' }),
  repeats: Type.Integer({ description: 'How often it recurred within 15 minutes of its last occurrence' }),
  lastAt: IsoTime({ description: 'When it last occurred' }),
  resolvedAt: Nullable(IsoTime(), { description: 'When later news settled it (Meta reinstated a paused template), or null while it is open' }),
});

const { items, nextCursor } = PageOf(AlertView).properties;
export const AlertsAnswer = Type.Object({
  sendingPaused: Nullable(Type.String(), { description: 'Why sending waits for a new access token, or null' }),
  items,
  nextCursor,
});
export type AlertsAnswer = Static<typeof AlertsAnswer>;

export function alertsAnswer(sendingPaused: string | null, page: Page<RaisedAlert>): AlertsAnswer {
  return {
    sendingPaused,
    items: page.items.map((a) => ({ id: a.id, kind: a.kind, detail: a.detail, createdAt: a.createdAt.toISOString(), repeats: a.repeats, lastAt: a.lastAt.toISOString(), resolvedAt: a.resolvedAt?.toISOString() ?? null })),
    nextCursor: page.nextCursor,
  };
}
