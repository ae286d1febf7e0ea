import {
  classKey,
  isMissing,
  parseBoolean,
  parseCell,
  parseIsoDate,
  parseNumber,
} from '../../../src/modules/datasets/value-parsing';

describe('parseNumber', () => {
  it.each([
    ['42', 42],
    ['-8019', -8019],
    ['+3.5', 3.5],
    ['.25', 0.25],
    ['1e3', 1000],
    ['828.42', 828.42],
  ])('reads %j as %p', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });

  it.each(['1,000', '0x10', 'Infinity', '12abc', '', '1.2.3', '$100'])('refuses %j', (text) => {
    expect(parseNumber(text)).toBeUndefined();
  });
});

describe('parseBoolean', () => {
  it('reads the three pairs in any case', () => {
    expect(['yes', 'No', 'TRUE', 'false', '1', '0'].map(parseBoolean)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(parseBoolean('y')).toBeUndefined();
    expect(parseBoolean('2')).toBeUndefined();
  });
});

describe('parseIsoDate', () => {
  it('keeps dates and turns date-times into UTC instants', () => {
    expect(parseIsoDate('2024-02-29')).toBe('2024-02-29');
    expect(parseIsoDate('2024-03-01T10:00:00Z')).toBe('2024-03-01T10:00:00.000Z');
    expect(parseIsoDate('2024-03-01T10:00:00+02:00')).toBe('2024-03-01T08:00:00.000Z');
    expect(parseIsoDate('2024-03-01T10:00+0100')).toBe('2024-03-01T09:00:00.000Z');
    // No zone: read as UTC, not as the machine's local time.
    expect(parseIsoDate('2024-03-01 23:30:15')).toBe('2024-03-01T23:30:15.000Z');
  });

  it.each(['2023-02-29', '2024-13-01', '2024-03-01T25:00:00Z', '01/03/2024', '2024-3-1', 'may'])(
    'refuses %j',
    (text) => {
      expect(parseIsoDate(text)).toBeUndefined();
    },
  );
});

describe('parseCell', () => {
  it('treats empty text and the usual missing markers as missing for every type', () => {
    expect([null, '', '  ', 'NA', 'n/a', 'NULL', 'NaN'].every((raw) => isMissing(raw))).toBe(true);
    expect(isMissing('unknown')).toBe(false);
    expect(parseCell(' NA ', 'numeric')).toEqual({ ok: true, value: null });
    expect(parseCell(null, 'boolean')).toEqual({ ok: true, value: null });
  });

  it('parses values by type, trimming the text', () => {
    expect(parseCell(' 1787 ', 'numeric')).toEqual({ ok: true, value: 1787 });
    expect(parseCell('yes', 'boolean')).toEqual({ ok: true, value: true });
    expect(parseCell('2010-11-17', 'date')).toEqual({ ok: true, value: '2010-11-17' });
    expect(parseCell(' blue-collar ', 'categorical')).toEqual({ ok: true, value: 'blue-collar' });
    expect(parseCell('00123', 'identifier')).toEqual({ ok: true, value: '00123' });
  });

  it('says what is wrong with a value that does not fit', () => {
    expect(parseCell('abc', 'numeric')).toEqual({ ok: false, message: '"abc" is not a number' });
    expect(parseCell('maybe', 'boolean')).toEqual({
      ok: false,
      message: '"maybe" is not a boolean (yes/no, true/false or 1/0)',
    });
    expect(parseCell('2024-02-30', 'date').ok).toBe(false);
  });
});

describe('classKey', () => {
  it('spells target values the same way however the file wrote them', () => {
    expect(classKey('Yes', 'boolean')).toBe('yes');
    expect(classKey('1.0', 'numeric')).toBe('1');
    expect(classKey(' Mens E-Mail ', 'categorical')).toBe('Mens E-Mail');
  });
});
