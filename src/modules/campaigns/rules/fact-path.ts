/**
 * The part of JSONPath that rules may use: `$.key` or `$.key.subkey`, read as
 * json-rules-engine reads it through jsonpath-plus.
 */

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The keys of a `$.a.b` path, or undefined for anything else (filters, wildcards ...). */
export function parseFactPath(path: string): string[] | undefined {
  if (!path.startsWith('$.')) {
    return undefined;
  }
  const keys = path.slice(2).split('.');

  return keys.every((key) => KEY.test(key)) ? keys : undefined;
}

/**
 * Reads `keys` from a fact value. As in the engine, a fact that is not an object (a number,
 * null, missing) is returned as it is; a key that is not an own property gives undefined.
 */
export function readPath(value: unknown, keys: readonly string[]): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  let current: unknown = value;
  for (const key of keys) {
    // jsonpath-plus follows a key only from a truthy value that owns it.
    if (!current || !Object.hasOwn(current as object, key)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }

  return current;
}
