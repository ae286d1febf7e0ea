import {
  ColumnScan,
  DISTINCT_CAP,
  inferColumnType,
  looksLikeIdName,
  nameLooksLikeValue,
} from '../../../src/modules/datasets/type-inference';

function scan(name: string, values: (string | null)[]): ColumnScan {
  const column = new ColumnScan(name);
  values.forEach((value) => column.add(value));

  return column;
}

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('ColumnScan', () => {
  it('counts missing, numeric, integer and date values and distinct texts', () => {
    const column = scan('x', ['1', '2.5', '', 'NA', '2024-01-01', 'abc', '1', null]);

    expect(column.values).toBe(5);
    expect(column.missing).toBe(3);
    expect(column.numeric).toBe(3);
    expect(column.integer).toBe(2);
    expect(column.date).toBe(1);
    expect(column.distinct.get('1')).toBe(2);
    expect(column.distinct.size).toBe(4);
    expect(column.repeated).toBe(true);
  });

  it('stops tracking new texts at the cap, but keeps counting the ones it tracks', () => {
    const column = scan(
      'email',
      times(DISTINCT_CAP + 5, (i) => `c${i}@example.com`),
    );
    column.add('c0@example.com');

    expect(column.distinct.size).toBe(DISTINCT_CAP);
    expect(column.distinctCapped).toBe(true);
    expect(column.distinct.get('c0@example.com')).toBe(2);
  });
});

describe('inferColumnType', () => {
  it('reads yes/no, true/false and 0/1 columns as boolean, in any case, with gaps', () => {
    expect(inferColumnType(scan('housing', ['yes', 'no', 'Yes', '']))).toBe('boolean');
    expect(inferColumnType(scan('vip', ['TRUE', 'false']))).toBe('boolean');
    expect(inferColumnType(scan('mens', ['1', '0', '0', '1']))).toBe('boolean');
  });

  it('does not mix pairs: yes with 0 is categorical, 0/1/2 is numeric', () => {
    expect(inferColumnType(scan('x', ['yes', '0', 'no']))).toBe('categorical');
    expect(inferColumnType(scan('previous', ['0', '1', '2', '0']))).toBe('numeric');
  });

  it('keeps numeric when at most 1% of the values are not numbers', () => {
    const mostly = [...times(199, (i) => String(20 + (i % 60))), 'abc', 'unknown'];
    const tooMany = [...times(97, (i) => String(20 + (i % 60))), 'abc', 'x', 'y'];

    expect(inferColumnType(scan('age', mostly))).toBe('numeric');
    expect(inferColumnType(scan('age', tooMany))).toBe('categorical');
  });

  it('reads ISO dates as date', () => {
    expect(inferColumnType(scan('signup', ['2024-01-15', '2024-02-29', '2024-03-01T10:00Z']))).toBe(
      'date',
    );
  });

  it('reads text unique per row as identifier over 50 rows, not over a handful', () => {
    expect(
      inferColumnType(
        scan(
          'email',
          times(60, (i) => `c${i}@example.com`),
        ),
      ),
    ).toBe('identifier');
    expect(inferColumnType(scan('city', ['Porto', 'Lisbon', 'Faro']))).toBe('categorical');
  });

  it('reads unique integers as identifier over 1,000 rows, and a repeat makes them numeric', () => {
    const ids = times(1500, (i) => String(100000 + i * 7));

    expect(inferColumnType(scan('account', ids))).toBe('identifier');
    expect(inferColumnType(scan('balance', ids.slice(0, 400)))).toBe('numeric');
    expect(inferColumnType(scan('account', [...ids, ids[3]]))).toBe('numeric');
  });

  it('reads a column named like an id as identifier when its values are unique', () => {
    expect(inferColumnType(scan('customer_id', ['c1', 'c2', 'c3']))).toBe('identifier');
    expect(inferColumnType(scan('ID', ['7', '8', '9']))).toBe('identifier');
    expect(inferColumnType(scan('store_id', ['7', '8', '7']))).toBe('numeric');
  });

  it('reads a column without any value as categorical', () => {
    expect(inferColumnType(scan('notes', ['', 'NA', null]))).toBe('categorical');
  });
});

describe('looksLikeIdName and nameLooksLikeValue', () => {
  it('knows id-like names', () => {
    const names = ['id', 'customer_id', 'Customer ID', 'customerId', 'CUSTOMERID', 'uuid', 'paid'];

    expect(names.map(looksLikeIdName)).toEqual([true, true, true, true, false, true, false]);
  });

  it('spots a data line used as header', () => {
    expect(nameLooksLikeValue('30', 'numeric')).toBe(true);
    expect(nameLooksLikeValue('age', 'numeric')).toBe(false);
    expect(nameLooksLikeValue('no', 'boolean')).toBe(true);
    expect(nameLooksLikeValue('2024-01-01', 'categorical')).toBe(false);
  });
});
