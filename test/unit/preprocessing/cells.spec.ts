import {
  daysFromCivil,
  readBoolean,
  readCategory,
  readDate,
  readNumeric,
} from '../../../src/modules/preprocessing/cells';

describe('readNumeric', () => {
  it.each([
    [42, 42],
    [-0.5, -0.5],
    ['42', 42],
    [' -1.5e3 ', -1500],
    ['.5', 0.5],
  ])('reads %p as %p', (cell, expected) => {
    expect(readNumeric(cell)).toBe(expected);
  });

  it.each([null, undefined, NaN, Infinity, '', '  ', '0x10', 'Infinity', '1,234', '12abc', true])(
    'treats %p as missing',
    (cell) => {
      expect(readNumeric(cell)).toBeNaN();
    },
  );
});

describe('readBoolean', () => {
  it.each([
    [true, 1],
    [false, 0],
    [1, 1],
    [0, 0],
    ['TRUE', 1],
    [' no ', 0],
    ['yes', 1],
    ['0', 0],
  ])('reads %p as %p', (cell, expected) => {
    expect(readBoolean(cell)).toBe(expected);
  });

  it.each([null, '', 2, 'maybe', NaN])('treats %p as missing', (cell) => {
    expect(readBoolean(cell)).toBeNaN();
  });
});

describe('readDate', () => {
  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['2000-03-01', 11017],
    ['2024-02-29', 19782],
    ['1600-01-01', -135140],
    // Noon is half a day; without an offset the time is UTC.
    ['1970-01-02T12:00:00Z', 1.5],
    ['1970-01-02 12:00', 1.5],
    ['1970-01-01T06:00:00.000Z', 0.25],
  ])('reads %p as %p days since 1970-01-01', (cell, expected) => {
    expect(readDate(cell)).toBeCloseTo(expected, 10);
  });

  it('subtracts a positive UTC offset: 12:00+02:00 is 10:00 UTC', () => {
    expect(readDate('1970-01-02T12:00:00+02:00')).toBeCloseTo(1 + 10 / 24, 10);
    expect(readDate('1970-01-02T12:00-0130')).toBeCloseTo(1 + 13.5 / 24, 10);
  });

  it.each(['2023-02-29', '2024-13-01', '2024-04-31', '2024-01-01T24:00', '01/02/2024', '', 19782])(
    'treats %p as missing',
    (cell) => {
      expect(readDate(cell)).toBeNaN();
    },
  );

  it('agrees with Date.UTC over four centuries', () => {
    for (let year = 1800; year <= 2200; year += 7) {
      for (const [month, day] of [
        [1, 1],
        [2, 28],
        [3, 1],
        [12, 31],
      ]) {
        expect(daysFromCivil(year, month, day)).toBe(Date.UTC(year, month - 1, day) / 86_400_000);
      }
    }
  });
});

describe('readCategory', () => {
  it('keeps text as it is and treats blank text and other types as missing', () => {
    expect(readCategory('admin.')).toBe('admin.');
    expect(readCategory(' padded ')).toBe(' padded ');
    expect(readCategory('   ')).toBeNull();
    expect(readCategory(3)).toBeNull();
    expect(readCategory(true)).toBeNull();
    expect(readCategory(undefined)).toBeNull();
  });
});
