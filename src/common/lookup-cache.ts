import { LRUCache } from 'lru-cache';

export interface LookupCacheOptions<K, V> {
  /** How long a looked-up value is trusted; 0 looks up every time. */
  readonly ttlMs: number;
  /** Entries kept at most; the least recently used go first. */
  readonly max: number;
  readonly load: (key: K) => Promise<V>;
  /** Whether a loaded value may be kept (a miss usually is not); every value when absent. */
  readonly keep?: (value: V) => boolean;
}

/**
 * Database lookups made on every request (an API key, a model's champion), trusted for a
 * short time. Concurrent lookups of one key share one query. A change made in this process
 * clears the cache at once; a change made by another process on the same database (the CLI
 * revoking a key, say) is seen after at most `ttlMs`.
 */
export class LookupCache<K extends string, V> {
  private readonly cache: LRUCache<K, { value: V }> | null;
  /** Counts the clears: a lookup that was in flight across one is not trusted. */
  private generation = 0;

  constructor(private readonly options: LookupCacheOptions<K, V>) {
    this.cache =
      options.ttlMs > 0
        ? new LRUCache<K, { value: V }>({
            max: options.max,
            ttl: options.ttlMs,
            fetchMethod: async (key) => ({ value: await options.load(key) }),
          })
        : null;
  }

  async get(key: K): Promise<V> {
    if (!this.cache) {
      return this.options.load(key);
    }
    const generation = this.generation;
    let found: { value: V };
    try {
      found = (await this.cache.fetch(key)) as { value: V };
    } catch (error) {
      // Cleared while the lookup ran (lru-cache aborts it): it may predate the change.
      if (this.generation !== generation) {
        return this.options.load(key);
      }
      throw error;
    }
    if (this.options.keep && !this.options.keep(found.value)) {
      this.cache.delete(key);
    }

    return found.value;
  }

  clear(): void {
    this.generation++;
    this.cache?.clear();
  }
}
