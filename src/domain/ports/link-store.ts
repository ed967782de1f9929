/**
 * Short links behind `GET /r/{token}`: a template's URL button can only append a suffix to
 * an approved base URL, so varying targets (tracking pages, cart recovery) are stored here
 * and the redirect counts clicks.
 */
export interface NewLink {
  token: string;
  tenantId: string;
  messageId: string | null;
  /** Where the link leads; null when the brand gave no page (the redirect then shows a note). */
  target: string | null;
  createdAt: Date;
}

export interface LinkStore {
  create(link: NewLink): Promise<void>;
  /** Counts a click and returns the link, or undefined for an unknown token. */
  click(token: string, at: Date): Promise<{ tenantId: string; target: string | null } | undefined>;
  /** The link without counting a click (a HEAD request: link previews, crawlers). */
  find(token: string): Promise<{ tenantId: string; target: string | null } | undefined>;
  clicksByKind(tenantId: string): Promise<{ kind: string; clicks: number }[]>;
}
