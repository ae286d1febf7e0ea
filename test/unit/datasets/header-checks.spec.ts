import { UserError } from '../../../src/common/errors';
import { checkHeader } from '../../../src/modules/datasets/header-checks';
import { ColumnScan } from '../../../src/modules/datasets/type-inference';

function check(columns: string[], rows: string[][], format: 'csv' | 'jsonl' = 'csv'): UserError {
  const stats = columns.map((name, i) => {
    const column = new ColumnScan(name);
    rows.forEach((row) => column.add(row[i] ?? null));

    return column;
  });
  try {
    checkHeader({ format, fileName: 'x.csv', columns, rows: rows.length, stats });
  } catch (error) {
    return error as UserError;
  }

  return new UserError('passed', 'no error');
}

describe('checkHeader', () => {
  it('passes a proper header', () => {
    expect(check(['age', 'job', 'y'], [['30', 'admin.', 'no']]).code).toBe('passed');
  });

  it('fails a file without columns, and a header without rows', () => {
    expect(check([], []).code).toBe('dataset_empty');
    expect(check(['age', 'job'], []).code).toBe('dataset_no_rows');
  });

  it('fails when the first line is data', () => {
    const error = check(
      ['30', 'unemployed', '1787', 'no'],
      [
        ['33', 'services', '4789', 'no'],
        ['35', 'management', '1350', 'yes'],
      ],
    );

    expect(error.code).toBe('dataset_no_header');
    expect(error.message).toContain('"30", "1787", "no"');
    expect(check(['1', '2', '3'], []).code).toBe('dataset_no_header');
  });

  it('names duplicate columns and their positions', () => {
    const error = check(['age', 'job', 'age', 'y', 'job'], [['1', 'a', '2', 'no', 'b']]);

    expect(error.code).toBe('dataset_duplicate_columns');
    expect(error.details).toEqual([
      { line: 1, field: 'age', message: 'columns 1 and 3 share this name' },
      { line: 1, field: 'job', message: 'columns 2 and 5 share this name' },
    ]);
  });

  it('names unnamed columns by position', () => {
    const error = check(['', 'age', 'job'], [['0', '30', 'admin.']]);

    expect(error.code).toBe('dataset_column_unnamed');
    expect(error.details).toEqual([{ line: 1, column: 1, message: 'no name' }]);
  });

  it('applies no header checks to JSON lines, whose keys name every value', () => {
    expect(check(['1', '2'], [['3', '4']], 'jsonl').code).toBe('passed');
  });
});
