import { describe, expect, it } from 'vitest';
import { InvalidPhoneError, phonePathSegment } from './phone-path.js';

describe('phonePathSegment', () => {
  it.each([
    ['+919812345678', 'e164', '%2B919812345678'],
    ['919812345678', 'e164', '%2B919812345678'],
    ['+919812345678', 'digits', '919812345678'],
    ['+919812345678', 'national', '9812345678'],
    ['+14155552671', 'national', '4155552671'],
    ['+447911123456', 'national', '7911123456'],
  ] as const)('%s as %s → %s', (e164, format, segment) => {
    expect(phonePathSegment(e164, format)).toBe(segment);
  });

  it.each(['', '98 123', '+0123456789', 'abc', '+1234567890123456'])('refuses %j', (phone) => {
    expect(() => phonePathSegment(phone, 'digits')).toThrow(InvalidPhoneError);
  });
});
