import seedrandom from 'seedrandom';

/** A seeded source of random numbers, so that splits and trainings repeat exactly. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T;
}

export function createRandom(seed: number | string): Random {
  const prng = seedrandom(String(seed));
  const next = (): number => prng.quick();

  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      const v = next();

      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const swap = items[i];
        items[i] = items[j];
        items[j] = swap;
      }

      return items;
    },
  };
}
