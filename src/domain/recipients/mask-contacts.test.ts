import { describe, expect, it } from 'vitest';
import { maskContacts } from './mask-contacts.js';

describe('maskContacts', () => {
  it('masks phone numbers however they are written, keeping the last 4 digits', () => {
    expect(maskContacts('lookup failed for phone 919900000061')).toBe('lookup failed for phone 91******0061');
    expect(maskContacts('call +91 99000 00061 or 099000-00061')).toBe('call +91******0061 or 09*****0061');
    expect(maskContacts('(022) 2345.6789')).toBe('(02*****6789');
  });

  it('masks emails, keeping the first letter and the domain', () => {
    expect(maskContacts('Asha, asha.rao+shop@x.com)')).toBe('Asha, a***@x.com)');
    expect(maskContacts('919900000061@mail.example.in')).toBe('9***@mail.example.in');
  });

  it('leaves short numbers alone: statuses, counts, times', () => {
    const text = 'HTTP 503 after 2 tries at 10:42, order #1581, 3 items, 1200 ms';
    expect(maskContacts(text)).toBe(text);
  });
});
