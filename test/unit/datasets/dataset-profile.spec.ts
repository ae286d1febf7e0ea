import { ProfileBuilder } from '../../../src/modules/datasets/dataset-profile';
import { DatasetSchema } from '../../../src/modules/datasets/dataset-schema';
import { DISTINCT_CAP } from '../../../src/modules/datasets/type-inference';

const schema: DatasetSchema = {
  columns: [
    { name: 'age', type: 'numeric', role: 'feature' },
    { name: 'job', type: 'categorical', role: 'feature' },
    { name: 'signup', type: 'date', role: 'feature' },
    { name: 'y', type: 'boolean', role: 'target' },
  ],
  target: 'y',
  positiveLabel: 'yes',
};

describe('ProfileBuilder', () => {
  it('computes missing, distinct, min, max, mean, sample std, top categories and class balance', () => {
    const builder = new ProfileBuilder(schema);
    const rows: [number | null, string | null, string | null, string][] = [
      [30, 'admin.', '2024-03-01', 'no'],
      [40, 'services', '2023-12-31', 'yes'],
      [null, 'admin.', null, 'no'],
      [50, 'admin.', '2024-01-15', 'no'],
    ];
    for (const [age, job, signup, y] of rows) {
      builder.add([age, job, signup, y === 'yes'], y);
    }
    const profile = builder.build(2);
    const [age, job, signup, target] = profile.columns;

    expect(profile.rows).toBe(4);
    expect(profile.badRows).toBe(2);
    // 30, 40, 50: mean 40, sample variance ((-10)² + 0 + 10²) / 2 = 100.
    expect(age).toMatchObject({ missing: 1, distinct: 3, min: 30, max: 50, mean: 40, std: 10 });
    expect(job.topCategories).toEqual([
      { value: 'admin.', count: 3 },
      { value: 'services', count: 1 },
    ]);
    expect(signup).toMatchObject({ missing: 1, min: '2023-12-31', max: '2024-03-01' });
    expect(target.topCategories).toEqual([
      { value: 'false', count: 3 },
      { value: 'true', count: 1 },
    ]);
    expect(profile.classBalance).toEqual([
      { label: 'no', count: 3, share: 0.75, positive: false },
      { label: 'yes', count: 1, share: 0.25, positive: true },
    ]);
  });

  it('marks the distinct count as a lower bound past the cap', () => {
    const builder = new ProfileBuilder({
      columns: [{ name: 'n', type: 'numeric', role: 'feature' }],
    });
    for (let i = 0; i < DISTINCT_CAP + 10; i++) {
      builder.add([i], null);
    }
    const [n] = builder.build(0).columns;

    expect(n.distinct).toBe(DISTINCT_CAP);
    expect(n.distinctAtLeast).toBe(true);
    expect(n.max).toBe(DISTINCT_CAP + 9);
    expect(builder.build(0).classBalance).toBeUndefined();
  });
});
