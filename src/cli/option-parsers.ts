import { InvalidArgumentError } from 'commander';

/** `a, b,c` → `['a', 'b', 'c']`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Collects repeated `--param plugin.name=value` options into params per plugin. */
export function collectParam(
  value: string,
  previous: Record<string, Record<string, unknown>> = {},
): Record<string, Record<string, unknown>> {
  const match = /^([a-z0-9_-]+)\.([A-Za-z0-9_]+)=(.*)$/.exec(value);
  if (!match) {
    throw new InvalidArgumentError('expected plugin.name=value, e.g. svm.C=0.5');
  }
  const [, plugin, key, raw] = match;
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: keep it as text (e.g. activation=relu).
  }

  return { ...previous, [plugin]: { ...previous[plugin], [key]: parsed } };
}
