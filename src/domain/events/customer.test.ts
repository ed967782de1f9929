import { describe, expect, it } from 'vitest';
import { customerNames, firstOf } from './customer.js';

describe('customerNames', () => {
  it('takes the first source that names the person, as a whole', () => {
    expect(customerNames({ last_name: 'Shah' }, { first_name: 'K', last_name: 'X' })).toEqual({ firstName: null, lastName: 'Shah' });
  });
  it('skips sources without names and splits a full name or displayName', () => {
    expect(customerNames(null, { city: 'Pune' }, { name: 'Ravi Kumar' })).toEqual({ firstName: 'Ravi', lastName: 'Kumar' });
    expect(customerNames({ displayName: 'Zoya' })).toEqual({ firstName: 'Zoya', lastName: null });
  });
  it('is all null when nobody is named', () => {
    expect(customerNames({}, 'x')).toEqual({ firstName: null, lastName: null });
  });
});

describe('firstOf', () => {
  it('returns the first non-null candidate, keeping falsy values', () => {
    expect(firstOf(null, '', 'b')).toBe('');
    expect(firstOf<string>(null, null)).toBeNull();
  });
});
