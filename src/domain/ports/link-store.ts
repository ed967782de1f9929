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

export interface StoredLink {
  tenantId: string;
  messageId: string | null;
  target: string | null;
}

export interface LinkStore {
  create(link: NewLink): Promise<void>;
  /** Counts a click and returns the link, or undefined for an unknown token. */
  click(token: string, at: Date): Promise<StoredLink | undefined>;
  /** The link without counting a click (a HEAD request: link previews, crawlers). */
  find(token: string): Promise<StoredLink | undefined>;
  /** Gives a link that had no target the page found since (one that has a target keeps it). */
  setTarget(token: string, target: string): Promise<void>;
  clicksByKind(tenantId: string): Promise<{ kind: string; clicks: number }[]>;
}
