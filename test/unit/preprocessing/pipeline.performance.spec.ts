import { createRandom } from '../../../src/common/random';
import { ColumnSchema, CustomerAttributes } from '../../../src/modules/datasets/dataset-schema';
import { fitPipeline } from '../../../src/modules/preprocessing/pipeline';

// The shape of the bank marketing data: 7 numbers and 9 categories, 36,000 training rows.
const ROWS = 36_000;
const NUMERIC = ['age', 'balance', 'day', 'duration', 'campaign', 'pdays', 'previous'];
const CATEGORIES: Record<string, number> = {
  job: 12,
  marital: 3,
  education: 4,
  default: 2,
  housing: 2,
  loan: 2,
  contact: 3,
  month: 12,
  poutcome: 4,
};

function syntheticCustomers(): { records: CustomerAttributes[]; labels: Uint8Array } {
  const random = createRandom(2024);
  const labels = new Uint8Array(ROWS);
  const records: CustomerAttributes[] = [];
  for (let i = 0; i < ROWS; i++) {
    const record: CustomerAttributes = {};
    for (const [j, name] of NUMERIC.entries()) {
      // Heavy right tail so that clipping has work to do; about 1% missing.
      const value = Math.exp(random.normal() * 0.8) * (j + 1) * 10;
      record[name] = random.next() < 0.01 ? null : value;
    }
    for (const [name, levels] of Object.entries(CATEGORIES)) {
      record[name] = random.next() < 0.01 ? null : `${name}_${random.int(levels)}`;
    }
    records.push(record);
    labels[i] = random.next() < 0.1 + ((record.duration as number) ?? 0) / 1000 ? 1 : 0;
  }

  return { records, labels };
}

describe('preprocessing 36,000 customers', () => {
  const { records, labels } = syntheticCustomers();
  const columns: ColumnSchema[] = [
    ...NUMERIC.map((name) => ({ name, type: 'numeric' as const, role: 'feature' as const })),
    ...Object.keys(CATEGORIES).map((name) => ({
      name,
      type: 'categorical' as const,
      role: 'feature' as const,
    })),
  ];

  it.each([null, { method: 'chi2', k: 30 } as const, { method: 'mutual_info', k: 30 } as const])(
    'fits and transforms with selection %p',
    (selection) => {
      const started = performance.now();
      const { pipeline, matrix } = fitPipeline({
        records,
        columns,
        labels,
        options: { selection },
      });
      const fitted = performance.now();
      const scored = pipeline.transform(records);
      const done = performance.now();

      process.stdout.write(
        `preprocessing ${ROWS}×${columns.length} (selection ${selection?.method ?? 'none'}): ` +
          `fit ${(fitted - started).toFixed(0)} ms, transform ${(done - fitted).toFixed(0)} ms\n`,
      );

      // 7 numbers + 44 categories + one (missing) indicator per categorical column.
      const width = selection === null ? 7 + 44 + 9 : 30;
      expect(matrix.rows).toBe(ROWS);
      expect(matrix.cols).toBe(width);
      expect(pipeline.featureNames).toHaveLength(width);
      expect(matrix.values.every(Number.isFinite)).toBe(true);
      expect(scored.rows).toBe(ROWS);
      let differences = 0;
      for (let i = 0; i < matrix.values.length; i++) {
        if (scored.values[i] !== matrix.values[i]) differences++;
      }
      expect(differences).toBe(0);

      // Standardised on the clipped training values: each numeric column has mean 0, std 1.
      const ageColumn = pipeline.featureNames.indexOf('age');
      if (ageColumn >= 0) {
        let sum = 0;
        let squares = 0;
        for (let i = 0; i < ROWS; i++) {
          const value = matrix.values[i * matrix.cols + ageColumn];
          sum += value;
          squares += value * value;
        }
        expect(sum / ROWS).toBeCloseTo(0, 10);
        expect(squares / ROWS).toBeCloseTo(1, 10);
      }
    },
  );
});
