/**
 * Pieces shared by the rule validation files: JSON shapes, JSON paths, and how messages
 * word values and types.
 */

/** Records one error at a JSON path; `text` says what is wrong and what to do. */
export type Report = (path: string, code: string, text: string) => void;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Keys json-rules-engine knows but Bullseye refuses, and why. */
export const REFUSED_KEYS: Readonly<Record<string, { code: string; why: string }>> = {
  priority: {
    code: 'condition_priority_unsupported',
    why: "a condition priority only reorders json-rules-engine's evaluation; remove it",
  },
  params: {
    code: 'fact_params_unsupported',
    why: 'facts are plain values and take no params; remove it',
  },
  condition: {
    code: 'condition_reference_unsupported',
    why: 'shared condition references are not supported; write the conditions out',
  },
};

/** Reports every key of `object` not in `allowed`, with a reason for keys the engine knows. */
export function refuseUnknownKeys(
  object: Record<string, unknown>,
  at: string,
  allowed: ReadonlySet<string>,
  hint: string,
  report: Report,
): void {
  for (const key of Object.keys(object)) {
    if (allowed.has(key)) {
      continue;
    }
    const refused = Object.hasOwn(REFUSED_KEYS, key) ? REFUSED_KEYS[key] : undefined;
    report(
      keyPath(at, key),
      refused?.code ?? 'key_unknown',
      refused?.why ?? `unknown key "${key}"; ${hint}`,
    );
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function keyPath(at: string, key: string): string {
  return IDENTIFIER.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
}

export function article(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** A value as a message shows it: text quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  const text = JSON.stringify(value) ?? String(value);

  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The known name within two edits of `name`, for a "did you mean" hint. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }

  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it reaches `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) >= limit) {
    return limit;
  }
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin >= limit) {
      return limit;
    }
    previous = current;
  }

  return previous[b.length];
}
