const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds in a settings duration such as "30m"; the schema has already checked its form. */
export function durationMs(text: string): number {
  const unit = text.slice(-1) as keyof typeof UNIT_MS;
  const factor = UNIT_MS[unit];
  const amount = Number(text.slice(0, -1));
  if (factor === undefined || !Number.isInteger(amount) || amount <= 0) {
    throw new RangeError(`not a duration: "${text}"`);
  }
  return amount * factor;
}
