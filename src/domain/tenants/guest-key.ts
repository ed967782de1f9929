/**
 * Guest keys: 192 random bits, shown once, stored only as a SHA-256 hash. A fast hash is
 * right here (unlike passwords) because the key is random and long; it lets ingestion find
 * the tenant through an index on every request.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'olk_';

export function generateGuestKey(): string {
  return PREFIX + randomBytes(24).toString('base64url');
}

export function hashGuestKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
