import { RawRecord } from '../../../src/modules/datasets/dataset-reader';
import { DatasetSchema } from '../../../src/modules/datasets/dataset-schema';
import { convertRecord, describeBadRow } from '../../../src/modules/datasets/row-conversion';

const schema: DatasetSchema = {
  columns: [
    { name: 'customer_id', type: 'identifier', role: 'id' },
    { name: 'age', type: 'numeric', role: 'feature' },
    { name: 'housing', type: 'boolean', role: 'feature' },
    { name: 'y', type: 'boolean', role: 'target' },
  ],
  target: 'y',
  positiveLabel: 'yes',
  idColumn: 'customer_id',
};

const record = (cells: (string | null)[], line = 7, row = 6): RawRecord => ({ line, row, cells });

describe('convertRecord', () => {
  it('parses a row into the customer id, its label and attributes without the id', () => {
    const result = convertRecord(record(['c9', '41', 'no', 'YES']), schema, 'bank');

    expect(result).toEqual({
      ok: true,
      customerId: 'c9',
      label: 1,
      targetClass: 'yes',
      values: ['c9', 41, false, true],
      attributes: { age: 41, housing: false, y: true },
    });
  });

  it('labels other classes 0 and a missing target null', () => {
    const no = convertRecord(record(['c1', '30', 'yes', 'no']), schema, 'bank');
    const none = convertRecord(record(['c2', '30', 'yes', '']), schema, 'bank');

    expect(no.ok && no.label).toBe(0);
    expect(none.ok && none.label).toBeNull();
    expect(none.ok && none.targetClass).toBeNull();
  });

  it('derives the customer id from the dataset name and row without an id column', () => {
    const noId: DatasetSchema = {
      columns: schema.columns.slice(1),
      target: 'y',
      positiveLabel: 'yes',
    };
    const result = convertRecord(record(['41', 'no', 'no'], 12, 11), noId, 'bank');

    expect(result.ok && result.customerId).toBe('bank:11');
  });

  it('reports the line, column and value of a cell that does not parse', () => {
    const result = convertRecord(record(['c3', 'forty', 'no', 'no'], 15, 14), schema, 'bank');

    expect(result).toEqual({
      ok: false,
      bad: { line: 15, row: 14, column: 2, field: 'age', message: '"forty" is not a number' },
    });
    expect(!result.ok && describeBadRow(result.bad)).toBe(
      'line 15, column "age": "forty" is not a number',
    );
  });

  it('refuses a row without customer id and passes on problems the reader found', () => {
    const noId = convertRecord(record([' ', '30', 'no', 'no']), schema, 'bank');
    const short: RawRecord = {
      line: 3,
      row: 2,
      cells: ['c1'],
      problem: { message: 'expected 4 fields' },
    };

    expect(!noId.ok && noId.bad.message).toBe('the customer id is missing');
    expect(convertRecord(short, schema, 'bank')).toEqual({
      ok: false,
      bad: { line: 3, row: 2, message: 'expected 4 fields' },
    });
  });
});
