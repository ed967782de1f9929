/**
 * How the sandbox fails on purpose, so error paths can be exercised without Meta:
 *   - a built-in rule: numbers whose digits end in `0000` are "not on WhatsApp": the send is
 *     accepted, then a `failed` status with 131026 follows (as Meta does);
 *   - operator rules (`POST /sandbox/graph/_rules`, replacing the list): `respond` answers
 *     the send itself with a Meta error (130429, 131056, 131000 with HTTP 500, 190 with 401…);
 *     `failStatus` accepts, then sends a `failed` status with that code (131049, 131050…).
 * Rules match on the recipient (`to`) and/or the sending number (`phoneNumberId`), are tried
 * in order, and a rule with `times` is used that many times, then stops matching.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../shared/answer-types.js';
import type { GraphError } from './graph-error.js';

const Match = {
  to: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Recipient digits; any recipient when absent' })),
  phoneNumberId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Sending number; any when absent' })),
  times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Uses before the rule stops; forever when absent' })),
};

export const RespondRule = Type.Object(
  {
    ...Match,
    respond: Type.Object(
      {
        httpStatus: Type.Integer({ minimum: 400, maximum: 599 }),
        code: Type.Integer({ minimum: 0 }),
        message: Type.String({ minLength: 1, maxLength: 500 }),
        subcode: Type.Optional(Type.Integer({ minimum: 0 })),
        details: Type.Optional(Type.String({ maxLength: 1000, description: 'error_data.details; the message when absent' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'Answer the send with this Meta error' },
);

export const FailStatusRule = Type.Object(
  { ...Match, failStatus: Type.Integer({ minimum: 0, description: 'Accept, then send a failed status with this code' }) },
  { additionalProperties: false },
);

export const FailureRule = Type.Union([RespondRule, FailStatusRule]);
export type FailureRule = Static<typeof FailureRule>;
export const FailureRuleList = Type.Array(FailureRule, { maxItems: 100 });

/** What happens to one send. */
export type RuleDecision = { kind: 'respond'; error: GraphError } | { kind: 'failStatus'; code: number } | { kind: 'deliver' };

const remaining = Nullable(Type.Integer({ minimum: 0 }), { description: 'Uses left; null: no limit' });
/** A rule as listed: its uses left beside it. The schema documents GET/POST /sandbox/graph/_rules. */
export const ListedRule = Type.Union([
  Type.Object({ ...RespondRule.properties, remaining }),
  Type.Object({ ...FailStatusRule.properties, remaining }),
]);
export type ListedRule = Static<typeof ListedRule>;

/** Meta's `not on WhatsApp` for the sandbox: any number ending in 0000. */
export const UNDELIVERABLE_SUFFIX = '0000';

export class FailureRules {
  private rules: ListedRule[] = [];

  /** Replaces every operator rule (the built-in 0000 rule stays). */
  replace(rules: readonly FailureRule[]): void {
    this.rules = rules.map((rule) => ({ ...structuredClone(rule), remaining: rule.times ?? null }));
  }

  list(): ListedRule[] {
    return this.rules.map((rule) => structuredClone(rule));
  }

  /** Decides one send and uses up one turn of the rule that matched. */
  decide(phoneNumberId: string, to: string): RuleDecision {
    for (const rule of this.rules) {
      if (rule.remaining === 0) continue;
      if (rule.to !== undefined && rule.to !== to) continue;
      if (rule.phoneNumberId !== undefined && rule.phoneNumberId !== phoneNumberId) continue;
      if (rule.remaining !== null) rule.remaining -= 1;
      if ('respond' in rule) {
        const { httpStatus, code, message, subcode, details } = rule.respond;
        const error: GraphError = { httpStatus, code, message, details: details ?? message };
        if (subcode !== undefined) error.subcode = subcode;
        return { kind: 'respond', error };
      }
      return { kind: 'failStatus', code: rule.failStatus };
    }
    if (to.endsWith(UNDELIVERABLE_SUFFIX)) return { kind: 'failStatus', code: 131026 };
    return { kind: 'deliver' };
  }
}
