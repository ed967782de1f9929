import { describe, expect, it } from 'vitest';
import { optOutKeyword } from './opt-out-keywords.js';

describe('optOutKeyword', () => {
  it('recognises a message that is only the keyword, in any case', () => {
    expect(optOutKeyword('STOP')).toBe('stop');
    expect(optOutKeyword('  Unsubscribe! ')).toBe('stop');
    expect(optOutKeyword('stop.')).toBe('stop');
    expect(optOutKeyword('START')).toBe('start');
  });

  it('ignores the keyword inside a sentence and non-text messages', () => {
    expect(optOutKeyword("please don't stop my order")).toBeNull();
    expect(optOutKeyword('where is my order')).toBeNull();
    expect(optOutKeyword(null)).toBeNull();
  });
});
