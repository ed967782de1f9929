/**
 * JSON merge patch (RFC 7386): objects merge, anything else replaces, `null` removes.
 * Settings add one rule, guided by their schema: `null` on a setting whose schema allows
 * null sets it to null (`"quietHours": null` turns quiet hours off) instead of removing it,
 * which would bring its default back.
 */

interface SchemaNode {
  type?: unknown;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  patternProperties?: Record<string, SchemaNode>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allowsNull(schema: SchemaNode | undefined): boolean {
  if (schema === undefined) return false;
  return schema.type === 'null' || (schema.anyOf ?? []).some((s) => s.type === 'null');
}

function childSchema(schema: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (schema === undefined) return undefined;
  const objectSchema = schema.properties !== undefined || schema.patternProperties !== undefined
    ? schema
    : (schema.anyOf ?? []).find((s) => s.properties !== undefined || s.patternProperties !== undefined);
  const property = objectSchema?.properties?.[key];
  if (property !== undefined) return property;
  const pattern = objectSchema?.patternProperties;
  return pattern === undefined ? undefined : Object.values(pattern)[0];
}

export function applyMergePatch(target: unknown, patch: unknown, schema?: object): unknown {
  if (!isPlainObject(patch)) return patch;
  const node = schema as SchemaNode | undefined;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    const child = childSchema(node, key);
    if (value === null) {
      if (allowsNull(child)) setOwn(result, key, null);
      else delete result[key];
    } else {
      setOwn(result, key, applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value, child));
    }
  }
  return result;
}

/**
 * Every key is data, "__proto__" too: assigned with `=`, that key would set the result's
 * prototype (the patch's settings then inherited, unseen by validation) instead of a property
 * that validation refuses as unknown.
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
