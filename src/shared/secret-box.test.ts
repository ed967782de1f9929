import { describe, expect, it } from 'vitest';
import { SecretBoxError, createSecretBox } from './secret-box.js';

const KEY = 'k'.repeat(40);

describe('secret box', () => {
  it('round-trips and never produces the same ciphertext twice', () => {
    const box = createSecretBox(KEY);
    const a = box.seal('EAAG-token');
    const b = box.seal('EAAG-token');
    expect(a).not.toBe(b);
    expect(a).not.toContain('EAAG');
    expect(box.open(a)).toBe('EAAG-token');
  });

  it('refuses a different key and tampered data with a typed error', () => {
    const sealed = createSecretBox(KEY).seal('secret');
    expect(() => createSecretBox('x'.repeat(40)).open(sealed)).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => createSecretBox(KEY).open(parts.join('.'))).toThrow(SecretBoxError);
    expect(() => createSecretBox(KEY).open('plain')).toThrow(SecretBoxError);
  });
});
