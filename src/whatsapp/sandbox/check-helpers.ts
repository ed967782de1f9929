/**
 * Small readers the request checks share. Each one either returns the typed value or throws
 * `Rejected` carrying the Meta error to answer with, so a check reads top to bottom like the
 * rules it enforces. Paths are written Meta's way: `interactive['action']['buttons'][0]`.
 */
import { isPlainObject } from '../../shared/merge-patch.js';
import { graphErrors, type GraphError } from './graph-error.js';

export class Rejected extends Error {
  constructor(readonly graphError: GraphError) {
    super(graphError.message);
    this.name = 'Rejected';
  }
}

export function at(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}['${key}']`;
}

/** Length in characters as a person counts them (an emoji is one), which is how Meta counts. */
export function chars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined || value === null) throw new Rejected(graphErrors.missingParameter(`The parameter ${path} is required.`));
  if (!isPlainObject(value)) throw new Rejected(graphErrors.invalidParameter(`Param ${path} must be a JSON object.`));
  return value;
}

export function requireArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) throw new Rejected(graphErrors.missingParameter(`The parameter ${path} is required.`));
  if (!Array.isArray(value)) throw new Rejected(graphErrors.invalidParameter(`Param ${path} must be an array.`));
  return value as unknown[];
}

export function optionalArray(value: unknown, path: string): unknown[] {
  return value === undefined || value === null ? [] : requireArray(value, path);
}

interface TextRule {
  max?: number;
  /** Whether "" (or only spaces) is allowed; it is not unless said so. */
  allowEmpty?: boolean;
}

export function requireText(owner: Record<string, unknown>, key: string, path: string, rule: TextRule = {}): string {
  const value = owner[key];
  const where = at(path, key);
  if (value === undefined || value === null) throw new Rejected(graphErrors.missingParameter(`The parameter ${where} is required.`));
  if (typeof value !== 'string') throw new Rejected(graphErrors.invalidParameter(`Param ${where} must be a string.`));
  if (rule.allowEmpty !== true && value.trim() === '') {
    throw new Rejected(graphErrors.invalidValue(`Param ${where} must be at least 1 character long.`));
  }
  if (rule.max !== undefined && chars(value) > rule.max) {
    throw new Rejected(graphErrors.invalidValue(`Param ${where} must be at most ${rule.max} characters long.`));
  }
  return value;
}

export function optionalText(owner: Record<string, unknown>, key: string, path: string, rule: TextRule = {}): string | undefined {
  return owner[key] === undefined || owner[key] === null ? undefined : requireText(owner, key, path, rule);
}

/** Throws when two entries share a value (button titles, row ids). */
export function requireUnique(values: readonly string[], details: string): void {
  if (new Set(values).size !== values.length) throw new Rejected(graphErrors.invalidValue(details));
}
