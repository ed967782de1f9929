/**
 * What Meta's account-level webhooks tell Orderline, in its own words: news about the
 * WhatsApp Business Account (WABA) rather than about one message. Templates change status,
 * quality or category; a number's quality or messaging limit moves; the account is
 * restricted, banned or warned. Deliberately left out: anything Orderline does not act on
 * (capability increases, partner and pricing events): those are not read at all.
 */

/** A template as Meta names it in these webhooks: by name and language (its id is Meta's alone). */
export interface TemplateRef {
  name: string;
  /** As Meta spells it ("en_US", "en-US", "en"), or null when the webhook gave none. */
  language: string | null;
}

export type AccountNotice = { businessAccountId: string } & (
  | {
      kind: 'template_status';
      template: TemplateRef;
      /** Meta's event: APPROVED, REJECTED, PAUSED, DISABLED, FLAGGED, REINSTATED, … */
      event: string;
      /** Meta's reason code (INVALID_FORMAT, …), or null for none ("NONE"). */
      reason: string | null;
      /** Meta's own words on it (why it was paused or rejected and what to do), or null. */
      explanation: string | null;
    }
  | { kind: 'template_quality'; template: TemplateRef; previous: string | null; score: string }
  | {
      kind: 'template_category';
      template: TemplateRef;
      /** The category before (a change made), or null (a change announced). */
      previous: string | null;
      /** The category now. */
      category: string;
      /** A change announced: the category it will have, and from when (null: not said). */
      upcoming: { category: string; at: Date | null } | null;
    }
  | {
      kind: 'number_quality';
      displayPhoneNumber: string | null;
      /** Meta's event: FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, ONBOARDING, THROUGHPUT_UPGRADE, … */
      event: string;
      /** Messaging limit tiers (TIER_250, TIER_2K, …, TIER_UNLIMITED), when given. */
      limit: string | null;
      previousLimit: string | null;
    }
  | {
      kind: 'account_update';
      /** Meta's event: ACCOUNT_VIOLATION, ACCOUNT_RESTRICTION, DISABLED_UPDATE, ACCOUNT_DELETED, … */
      event: string;
      /** DISABLE, SCHEDULE_FOR_DISABLE or REINSTATE (DISABLED_UPDATE), with its date as Meta wrote it. */
      ban: { state: string | null; date: string | null } | null;
      violation: string | null;
      restrictions: string[];
    }
  | { kind: 'account_alert'; severity: string; status: string | null; type: string; description: string | null }
);
