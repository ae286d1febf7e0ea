import { chunkRows, placeholders } from '../../../src/modules/delivery/sql';

describe('multi-row statements', () => {
  it('splits rows so that no statement binds more than 30,000 parameters', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => i);
    const chunks = chunkRows(rows, 7);

    expect(chunks.map((c) => c.length)).toEqual([4285, 4285, 1430]);
    expect(chunks.flat()).toEqual(rows);
  });

  it('writes one group of placeholders a row', () => {
    expect(placeholders(2, 3)).toBe('(?, ?, ?), (?, ?, ?)');
    expect(chunkRows([], 5)).toEqual([]);
  });
});
