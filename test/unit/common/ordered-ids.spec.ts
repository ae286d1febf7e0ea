import { timeOrderedBytes, timeOrderedUuid } from '../../../src/common/ordered-ids';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('time-ordered ids', () => {
  it('are UUIDs version 7 that carry the time they were made', () => {
    const at = Date.parse('2026-12-03T20:00:00.000Z');
    const id = timeOrderedUuid(at);

    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sort by time, whatever their random part', () => {
    const times = [0, 1, 999, 1_000, 1_764_800_000_000, 1_764_800_000_001, 2 ** 47];
    const ids = times.map((t) => timeOrderedUuid(t));

    expect([...ids].sort()).toEqual(ids);
    expect(timeOrderedBytes(1_000).compare(timeOrderedBytes(1_001))).toBe(-1);
  });

  it('do not repeat within one millisecond, across many refills of the random pool', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 100_000 }, () => timeOrderedUuid(at)));

    expect(ids.size).toBe(100_000);
  });

  it('keep 80 random bits after the time', () => {
    const first = timeOrderedBytes(42);
    const second = timeOrderedBytes(42);

    expect(first).toHaveLength(16);
    expect(first.subarray(0, 6)).toEqual(second.subarray(0, 6));
    expect(first.subarray(6).equals(second.subarray(6))).toBe(false);
  });
});
