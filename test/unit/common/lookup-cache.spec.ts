import { LookupCache } from '../../../src/common/lookup-cache';

/** A lookup over a mutable table that counts its queries and can be held mid-way. */
function table(initial: Record<string, string | null>) {
  const rows = { ...initial };
  const state = { queries: 0, hold: null as Promise<void> | null };
  const load = async (key: string): Promise<string | null> => {
    state.queries++;
    const value = rows[key] ?? null;
    if (state.hold) await state.hold;

    return value;
  };

  return { rows, state, load };
}

describe('LookupCache', () => {
  it('asks once for concurrent and repeated lookups within the time, again after it', async () => {
    const { rows, state, load } = table({ a: 'one' });
    const cache = new LookupCache({ ttlMs: 40, max: 10, load });

    expect(await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')])).toEqual([
      'one',
      'one',
      'one',
    ]);
    rows.a = 'two';
    expect(await cache.get('a')).toBe('one');
    expect(state.queries).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cache.get('a')).toBe('two');
    expect(state.queries).toBe(2);
  });

  it('keeps only what `keep` allows, so misses are asked again', async () => {
    const { rows, state, load } = table({});
    const cache = new LookupCache({ ttlMs: 60_000, max: 10, load, keep: (v) => v !== null });

    expect(await cache.get('b')).toBeNull();
    rows.b = 'made';
    expect(await cache.get('b')).toBe('made');
    expect(await cache.get('b')).toBe('made');
    expect(state.queries).toBe(2);
  });

  it('does not trust a lookup that was running when the cache was cleared', async () => {
    const { rows, state, load } = table({ k: 'valid' });
    const cache = new LookupCache({ ttlMs: 60_000, max: 10, load });
    let release = (): void => undefined;
    state.hold = new Promise<void>((resolve) => (release = resolve));

    const before = cache.get('k');
    await new Promise((resolve) => setImmediate(resolve));
    rows.k = 'revoked';
    cache.clear();
    state.hold = null;
    release();

    expect(await before).toBe('revoked');
    expect(await cache.get('k')).toBe('revoked');
  });

  it('looks up every time when the time is 0', async () => {
    const { state, load } = table({ a: 'one' });
    const cache = new LookupCache({ ttlMs: 0, max: 10, load });

    await cache.get('a');
    await cache.get('a');
    expect(state.queries).toBe(2);
  });

  it('passes a failed lookup on and does not keep it', async () => {
    let fail = true;
    const cache = new LookupCache({
      ttlMs: 60_000,
      max: 10,
      load: async () => {
        if (fail) throw new Error('database is locked');

        return 'ok';
      },
    });

    await expect(cache.get('a')).rejects.toThrow('database is locked');
    fail = false;
    expect(await cache.get('a')).toBe('ok');
  });
});
