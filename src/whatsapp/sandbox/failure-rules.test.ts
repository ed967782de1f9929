import { describe, expect, it } from 'vitest';
import { FailureRules } from './failure-rules.js';

const throttle = { httpStatus: 400, code: 130429, message: '(#130429) Rate limit hit' };

describe('FailureRules', () => {
  it('delivers by default and fails numbers ending in 0000 with 131026', () => {
    const rules = new FailureRules();
    expect(rules.decide('p', '919812345678')).toEqual({ kind: 'deliver' });
    expect(rules.decide('p', '919812340000')).toEqual({ kind: 'failStatus', code: 131026 });
  });

  it('tries rules in order, matching recipient and sending number, each `times` times', () => {
    const rules = new FailureRules();
    rules.replace([
      { to: '911', times: 2, respond: throttle },
      { phoneNumberId: 'p2', failStatus: 131049 },
    ]);
    expect(rules.decide('p', '911')).toMatchObject({ kind: 'respond', error: { httpStatus: 400, code: 130429, details: throttle.message } });
    expect(rules.decide('p', '912')).toEqual({ kind: 'deliver' });
    expect(rules.decide('p', '911').kind).toBe('respond');
    expect(rules.decide('p', '911')).toEqual({ kind: 'deliver' });
    expect(rules.decide('p2', '911')).toEqual({ kind: 'failStatus', code: 131049 });
    expect(rules.list()).toEqual([
      { to: '911', times: 2, respond: throttle, remaining: 0 },
      { phoneNumberId: 'p2', failStatus: 131049, remaining: null },
    ]);
  });

  it('lets a rule override the built-in 0000 rule, and replaces all rules at once', () => {
    const rules = new FailureRules();
    rules.replace([{ respond: { ...throttle, subcode: 2494055 } }]);
    expect(rules.decide('p', '919812340000')).toMatchObject({ kind: 'respond', error: { subcode: 2494055 } });
    rules.replace([]);
    expect(rules.decide('p', '919812340000')).toEqual({ kind: 'failStatus', code: 131026 });
  });
});
