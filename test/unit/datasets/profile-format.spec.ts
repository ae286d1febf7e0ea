import { DatasetView } from '../../../src/modules/datasets/dataset-schema';
import { formatProfile } from '../../../src/modules/datasets/profile-format';

const view: DatasetView = {
  id: '6f1f7c1e-8d0a-4c55-9a3e-2f7c1b0d9e11',
  name: 'bank',
  fileName: 'bank.csv',
  format: 'csv',
  delimiter: ';',
  rowCount: 4521,
  badRowCount: 1,
  schema: {
    columns: [
      { name: 'age', type: 'numeric', role: 'feature' },
      { name: 'job', type: 'categorical', role: 'feature' },
      { name: 'y', type: 'boolean', role: 'target' },
    ],
    target: 'y',
    positiveLabel: 'yes',
  },
  profile: {
    rows: 4521,
    badRows: 1,
    columns: [
      {
        name: 'age',
        type: 'numeric',
        role: 'feature',
        missing: 0,
        distinct: 67,
        distinctAtLeast: false,
        min: 19,
        max: 87,
        mean: 41.170095,
        std: 10.576211,
      },
      {
        name: 'job',
        type: 'categorical',
        role: 'feature',
        missing: 2,
        distinct: 12,
        distinctAtLeast: false,
        topCategories: [
          { value: 'management', count: 969 },
          { value: 'blue-collar', count: 946 },
        ],
      },
      {
        name: 'y',
        type: 'boolean',
        role: 'target',
        missing: 0,
        distinct: 10000,
        distinctAtLeast: true,
        topCategories: [],
      },
    ],
    classBalance: [
      { label: 'no', count: 4000, share: 4000 / 4521, positive: false },
      { label: 'yes', count: 521, share: 521 / 4521, positive: true },
    ],
  },
  badRows: [{ line: 14, row: 13, column: 1, field: 'age', message: '"abc" is not a number' }],
  createdAt: '2026-12-01T10:00:00.000Z',
};

describe('formatProfile', () => {
  const text = formatProfile(view);
  const line = (start: string) => text.split('\n').find((l) => l.includes(start)) ?? '';

  it('summarises rows, delimiter and the class balance with shares', () => {
    expect(text).toContain('4,521 rows imported, 1 bad rows left out');
    expect(text).toContain('delimiter ";"');
    expect(text).toContain('Target y: no 4,000 (88.5%), yes (positive) 521 (11.5%)');
  });

  it('puts each column on a row with its figures', () => {
    expect(line('│ age').replace(/\s+/g, ' ')).toContain(
      'age │ numeric │ feature │ 0 │ 67 │ 19 │ 87 │ 41.17 │ 10.576',
    );
    expect(line('│ job')).toContain('management 969, blue-collar 946');
    expect(line('│ y ')).toContain('≥ 10,000');
  });

  it('lists bad rows with their line and column', () => {
    expect(text).toContain('line 14, column "age": "abc" is not a number');
  });
});
