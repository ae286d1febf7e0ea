import { UserError } from '../../../src/common/errors';
import { ColumnSchema, CustomerAttributes } from '../../../src/modules/datasets/dataset-schema';
import {
  fitPipeline,
  FittedPipeline,
  PipelineDescription,
  PipelineStepDescription,
  PreprocessingOptions,
} from '../../../src/modules/preprocessing/pipeline';
import { FeatureMatrix } from '../../../src/plugins/contract';

const feature = (name: string, type: ColumnSchema['type']): ColumnSchema => ({
  name,
  type,
  role: 'feature',
});

/** Column j of a row-major matrix. */
function column(matrix: FeatureMatrix, j: number): number[] {
  return Array.from({ length: matrix.rows }, (_, i) => matrix.values[i * matrix.cols + j]);
}

function rows(matrix: FeatureMatrix): number[][] {
  return Array.from({ length: matrix.rows }, (_, i) =>
    Array.from(matrix.values.subarray(i * matrix.cols, (i + 1) * matrix.cols)),
  );
}

function step<S extends PipelineStepDescription['step']>(
  description: PipelineDescription,
  name: S,
): Extract<PipelineStepDescription, { step: S }> {
  const found = description.steps.find((s) => s.step === name);
  if (found === undefined) throw new Error(`no ${name} step`);

  return found as Extract<PipelineStepDescription, { step: S }>;
}

function userErrorOf(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 12));
}

// spend has one gap. Present values 7, 9, 11, 13: mean and median 10, which fills row 2.
// Imputed 7, 9, 10, 11, 13: μ = 10, deviations −3 −1 0 1 3, squares sum 20, σ = √(20/5) = 2.
const spend = [7, 9, null, 11, 13];
const spendRecords: CustomerAttributes[] = spend.map((value) => ({ spend: value }));
const spendColumns = [feature('spend', 'numeric')];

describe('fitPipeline: numbers', () => {
  it('imputes, clips at μ ± 1σ and standardises as worked out by hand', () => {
    // Bounds [10 − 2, 10 + 2] = [8, 12]: 7 → 8 and 13 → 12. Clipped 8, 9, 10, 11, 12:
    // mean 10, squares 4 1 0 1 4 = 10, std √2; z = −√2, −1/√2, 0, 1/√2, √2.
    const { pipeline, matrix, keptRows } = fitPipeline({
      records: spendRecords,
      columns: spendColumns,
      options: { outlierSigma: 1 },
    });

    expect(pipeline.featureNames).toEqual(['spend']);
    expect(Array.from(keptRows)).toEqual([0, 1, 2, 3, 4]);
    expectClose(column(matrix, 0), [-Math.SQRT2, -Math.SQRT1_2, 0, Math.SQRT1_2, Math.SQRT2]);

    const description = pipeline.describe();
    expect(step(description, 'impute').columns).toEqual([
      { column: 'spend', missing: 1, value: 10 },
    ]);
    expect(step(description, 'outliers').columns).toEqual([
      { column: 'spend', mean: 10, std: 2, lower: 8, upper: 12, outside: 2 },
    ]);
    const [scaling] = step(description, 'standardize').columns;
    expect(scaling.mean).toBe(10);
    expect(scaling.std).toBeCloseTo(Math.SQRT2, 12);
  });

  it("leaves outliers alone with 'keep': z = (x − 10) / 2", () => {
    const { matrix } = fitPipeline({
      records: spendRecords,
      columns: spendColumns,
      options: { outliers: 'keep', outlierSigma: 1 },
    });

    expectClose(column(matrix, 0), [-1.5, -0.5, 0, 0.5, 1.5]);
  });

  it('fills with the median or the mean of the present values', () => {
    // income present 1, 2, 100, 3: median (2 + 3) / 2 = 2.5, mean 106 / 4 = 26.5.
    const records = [1, 2, 100, null, 3].map((income) => ({ income }));
    const options = { outliers: 'keep', standardize: false } as const;
    const fit = (numericImpute: PreprocessingOptions['numericImpute']): number[] =>
      column(
        fitPipeline({
          records,
          columns: [feature('income', 'numeric')],
          options: { ...options, numericImpute },
        }).matrix,
        0,
      );

    expect(fit('median')).toEqual([1, 2, 100, 2.5, 3]);
    expect(fit('mean')).toEqual([1, 2, 100, 26.5, 3]);
  });

  it('reads dates as days since 1970-01-01 and imputes them like numbers', () => {
    // Days 1, 10, (missing), 4, 6: mean of the present ones 21 / 4 = 5.25.
    const records = ['1970-01-02', '1970-01-11', null, '1970-01-05', '1970-01-07T00:00:00Z'].map(
      (signup) => ({ signup }),
    );
    const { matrix, pipeline } = fitPipeline({
      records,
      columns: [feature('signup', 'date')],
      options: { outliers: 'keep', standardize: false },
    });

    expect(column(matrix, 0)).toEqual([1, 10, 5.25, 4, 6]);
    expect(pipeline.transform([{ signup: 'next tuesday' }]).values[0]).toBe(5.25);
  });

  it('parses numbers sent as text at scoring time and counts other text as missing', () => {
    const { pipeline } = fitPipeline({ records: spendRecords, columns: spendColumns });
    // Default k = 3: bounds [4, 16], nothing clipped, z = (x − 10) / 2.
    const scored = pipeline.transform([{ spend: '11' }, { spend: 'eleven' }, { spend: true }, {}]);

    expect(Array.from(scored.values)).toEqual([0.5, 0, 0, 0]);
  });

  it('learns from the training rows only: an extreme scoring value is clipped, not learnt', () => {
    const { pipeline, matrix } = fitPipeline({
      records: spendRecords,
      columns: spendColumns,
      options: { outlierSigma: 1 },
    });
    const before = JSON.stringify(pipeline.toJSON());
    const scored = pipeline.transform([{ spend: 1e6 }, ...spendRecords]);

    // 1e6 clips to the upper bound 12: z = (12 − 10) / √2 = √2.
    expect(scored.values[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(Array.from(scored.values.subarray(1))).toEqual(Array.from(matrix.values));
    expect(JSON.stringify(pipeline.toJSON())).toBe(before);
    expect(step(pipeline.describe(), 'outliers').columns[0].mean).toBe(10);
  });
});

describe("fitPipeline: outliers 'drop'", () => {
  // visits 5, 50, 5, 5, 5: μ = 14, deviations −9 36 −9 −9 −9, squares 1620, σ = 18;
  // at k = 1 the bounds are [−4, 32], so row 1 is out. spend drops rows 0 and 4 (outside
  // [8, 12]). Kept: rows 2 and 3, whose spend 10 and 11 give mean 10.5 and std 0.5.
  const records = spendRecords.map((record, i) => ({ ...record, visits: i === 1 ? 50 : 5 }));
  const columns = [...spendColumns, feature('visits', 'numeric')];

  it('removes exactly the training rows with a value outside the bounds', () => {
    const { matrix, keptRows, pipeline } = fitPipeline({
      records,
      columns,
      options: { outliers: 'drop', outlierSigma: 1 },
    });

    expect(Array.from(keptRows)).toEqual([2, 3]);
    expect(matrix.rows).toBe(2);
    expect(column(matrix, 0)).toEqual([-1, 1]);
    // visits is 5 in both kept rows: a constant column standardises to 0 (std taken as 1).
    expect(column(matrix, 1)).toEqual([0, 0]);
    expect(pipeline.describe()).toMatchObject({
      training: { rows: 5, keptRows: 2, droppedRows: 3 },
    });
  });

  it('clips rather than drops at scoring time', () => {
    const { pipeline } = fitPipeline({
      records,
      columns,
      options: { outliers: 'drop', outlierSigma: 1 },
    });
    const scored = pipeline.transform(records);

    // Row 0: spend 7 clips to 8, z = (8 − 10.5) / 0.5 = −5; row 1: visits 50 clips to 32,
    // z = (32 − 5) / 1 = 27.
    expect(scored.rows).toBe(5);
    expect(column(scored, 0)).toEqual([-5, -3, -1, 1, 3]);
    expect(column(scored, 1)).toEqual([0, 27, 0, 0, 0]);
  });

  it('refuses to drop every training row', () => {
    // 0 and 10: μ = 5, σ = 5, bounds 5 ± 0.05 hold neither.
    const error = userErrorOf(() =>
      fitPipeline({
        records: [{ x: 0 }, { x: 10 }],
        columns: [feature('x', 'numeric')],
        options: { outliers: 'drop', outlierSigma: 0.01 },
      }),
    );

    expect(error.code).toBe('preprocessing_all_rows_dropped');
  });
});

describe('fitPipeline: booleans and categories', () => {
  it('turns booleans into 0/1, fills with the more frequent value, never scales them', () => {
    // true, false, (missing), true, 'yes': 3 true against 1 false, so the gap becomes 1.
    const records = [true, false, null, true, 'yes'].map((vip) => ({ vip }));
    const { matrix, pipeline } = fitPipeline({
      records,
      columns: [feature('vip', 'boolean')],
      options: { outlierSigma: 0.1 },
    });

    expect(column(matrix, 0)).toEqual([1, 0, 1, 1, 1]);
    expect(step(pipeline.describe(), 'impute').columns).toEqual([
      { column: 'vip', missing: 1, value: 1 },
    ]);
  });

  const jobs = ['admin', 'tech', 'admin', null, 'blue'];
  const jobRecords = jobs.map((job) => ({ job }));
  const jobColumns = [feature('job', 'categorical')];

  it('one-hot encodes by frequency then name, with an explicit (missing) indicator', () => {
    // admin 2, then blue and tech with 1 each (by name), then (missing).
    const { matrix, pipeline } = fitPipeline({ records: jobRecords, columns: jobColumns });

    expect(pipeline.featureNames).toEqual(['job=admin', 'job=blue', 'job=tech', 'job=(missing)']);
    expect(rows(matrix)).toEqual([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 1, 0, 0],
    ]);
  });

  it('gives an unseen category all zeros and a missing one the (missing) indicator', () => {
    const { pipeline } = fitPipeline({ records: jobRecords, columns: jobColumns });

    expect(rows(pipeline.transform([{ job: 'astronaut' }, { job: '' }, { job: 7 }]))).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 1],
    ]);
  });

  it("fills a missing category with the most frequent one under 'most_frequent'", () => {
    const { matrix, pipeline } = fitPipeline({
      records: jobRecords,
      columns: jobColumns,
      options: { categoricalImpute: 'most_frequent' },
    });

    expect(pipeline.featureNames).toEqual(['job=admin', 'job=blue', 'job=tech']);
    expect(rows(matrix)[3]).toEqual([1, 0, 0]);
    expect(step(pipeline.describe(), 'impute').columns[0].value).toBe('admin');
  });

  it('has no (missing) indicator when training had no gaps: a gap at scoring gives zeros', () => {
    const { pipeline } = fitPipeline({
      records: [{ job: 'a' }, { job: 'b' }],
      columns: jobColumns,
    });

    expect(pipeline.featureNames).toEqual(['job=a', 'job=b']);
    expect(Array.from(pipeline.transform([{ job: null }]).values)).toEqual([0, 0]);
  });

  it('folds the categories beyond maxCategories into one (other) indicator', () => {
    // a 3, b 2, c 1, d 1: with 2 kept, c and d share (other); an unseen one still gets zeros.
    const records = ['a', 'a', 'a', 'b', 'b', 'c', 'd'].map((job) => ({ job }));
    const { pipeline, matrix } = fitPipeline({
      records,
      columns: jobColumns,
      options: { maxCategories: 2 },
    });

    expect(pipeline.featureNames).toEqual(['job=a', 'job=b', 'job=(other)']);
    expect(column(matrix, 2)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(rows(pipeline.transform([{ job: 'd' }, { job: 'z' }]))).toEqual([
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(step(pipeline.describe(), 'one_hot').columns[0].other).toEqual({
      label: '(other)',
      categories: 2,
      rows: 2,
    });
  });

  it('renames the (missing) indicator when a real category is already called that', () => {
    const { pipeline } = fitPipeline({
      records: [{ job: '(missing)' }, { job: 'x' }, { job: null }],
      columns: jobColumns,
    });

    expect(pipeline.featureNames).toEqual(['job=(missing)', 'job=x', 'job=((missing))']);
    expect(rows(pipeline.transform([{ job: '(missing)' }, {}]))).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });
});

describe('fitPipeline: columns', () => {
  it('uses feature columns in schema order and never identifiers, targets or excluded ones', () => {
    const { pipeline, matrix } = fitPipeline({
      records: [
        { id: 'c1', age: 30, segment: 'x', y: 'yes', email: 'a@b.c' },
        { id: 'c2', age: 50, segment: 'y', y: 'no', email: 'd@e.f' },
      ],
      columns: [
        feature('id', 'identifier'),
        feature('segment', 'categorical'),
        { name: 'y', type: 'categorical', role: 'target' },
        feature('age', 'numeric'),
        { name: 'email', type: 'categorical', role: 'excluded' },
      ],
    });

    expect(pipeline.featureNames).toEqual(['segment=x', 'segment=y', 'age']);
    expect(rows(matrix)).toEqual([
      [1, 0, -1],
      [0, 1, 1],
    ]);
  });

  it('refuses to fit without records, without feature columns or with a column twice', () => {
    expect(userErrorOf(() => fitPipeline({ records: [], columns: spendColumns })).code).toBe(
      'preprocessing_no_records',
    );
    expect(
      userErrorOf(() =>
        fitPipeline({ records: spendRecords, columns: [feature('spend', 'identifier')] }),
      ).code,
    ).toBe('preprocessing_no_features');
    expect(
      userErrorOf(() =>
        fitPipeline({ records: spendRecords, columns: [...spendColumns, ...spendColumns] }),
      ).code,
    ).toBe('preprocessing_columns_invalid');
  });

  it('refuses invalid options with the field named', () => {
    const error = userErrorOf(() =>
      fitPipeline({
        records: spendRecords,
        columns: spendColumns,
        options: { outlierSigma: -1 },
      }),
    );

    expect(error.code).toBe('preprocessing_options_invalid');
    expect(error.details[0].field).toBe('outlierSigma');
  });
});

describe('fitPipeline: feature selection', () => {
  // flag 1, 1, 0, 0, 1 and spend 7, 9, 10, 11, 13 against labels 1, 1, 0, 0, 0.
  // chi2 (worked out in selection.spec.ts): flag 8/9; spend, whose standardised values
  // min–max scale back to 0, 1/3, 1/2, 2/3, 1, gets 20/27. ANOVA F: flag 2.4, spend 6.
  const records = [7, 9, 10, 11, 13].map((value, i) => ({ flag: [1, 1, 0, 0, 1][i] === 1, value }));
  const columns = [feature('flag', 'boolean'), feature('value', 'numeric')];
  const labels = Uint8Array.from([1, 1, 0, 0, 0]);

  it('keeps the best chi2 feature and reports every score', () => {
    const { pipeline, matrix } = fitPipeline({
      records,
      columns,
      labels,
      options: { selection: { method: 'chi2', k: 1 } },
    });

    expect(pipeline.featureNames).toEqual(['flag']);
    expect(matrix.cols).toBe(1);
    expect(Array.from(matrix.values)).toEqual([1, 1, 0, 0, 1]);
    const [flag, value] = step(pipeline.describe(), 'selection').features;
    expect(flag).toMatchObject({ feature: 'flag', selected: true });
    expect(flag.score).toBeCloseTo(8 / 9, 12);
    expect(value).toMatchObject({ feature: 'value', selected: false });
    expect(value.score).toBeCloseTo(20 / 27, 12);
  });

  it('keeps the best ANOVA F feature', () => {
    const { pipeline, matrix } = fitPipeline({
      records,
      columns,
      labels,
      options: { selection: { method: 'anova_f', k: 1 } },
    });
    const scores = step(pipeline.describe(), 'selection').features.map((f) => f.score);

    expect(pipeline.featureNames).toEqual(['value']);
    expect(scores[0]).toBeCloseTo(2.4, 10);
    expect(scores[1]).toBeCloseTo(6, 10);
    // (x − 10) / 2, as nothing is clipped at k = 3.
    expect(Array.from(matrix.values)).toEqual([-1.5, -0.5, 0, 0.5, 1.5]);
    expect(Array.from(pipeline.transform(records).values)).toEqual(Array.from(matrix.values));
  });

  it('keeps every feature when k exceeds their number', () => {
    const { pipeline } = fitPipeline({
      records,
      columns,
      labels,
      options: { selection: { method: 'mutual_info', k: 50 } },
    });

    expect(pipeline.featureNames).toEqual(['flag', 'value']);
  });

  it('needs labels', () => {
    const error = userErrorOf(() =>
      fitPipeline({ records, columns, options: { selection: { method: 'chi2', k: 1 } } }),
    );

    expect(error.code).toBe('preprocessing_labels_required');
  });
});

describe('FittedPipeline JSON', () => {
  const records: CustomerAttributes[] = [
    { age: 31, job: 'admin.', vip: true, since: '2020-01-15', balance: 120.5 },
    { age: 45, job: 'technician', vip: false, since: '2019-06-01', balance: -30 },
    { age: null, job: 'admin.', vip: null, since: null, balance: 4000 },
    { age: 62, job: null, vip: true, since: '2021-11-30T08:00:00Z', balance: 0 },
    { age: 28, job: 'student', vip: false, since: '2022-02-02', balance: 15 },
    { age: 39, job: 'admin.', vip: true, since: '2018-03-03', balance: 310 },
  ];
  const columns = [
    feature('age', 'numeric'),
    feature('job', 'categorical'),
    feature('vip', 'boolean'),
    feature('since', 'date'),
    feature('balance', 'numeric'),
  ];
  const labels = Uint8Array.from([1, 0, 1, 0, 0, 1]);
  const scoring: CustomerAttributes[] = [
    ...records,
    { age: '52', job: 'pilot', vip: 'no', since: '2030-01-01', balance: 1e9 },
    {},
  ];

  it('survives JSON.stringify and JSON.parse with an identical transform', () => {
    const { pipeline, matrix } = fitPipeline({
      records,
      columns,
      labels,
      options: { selection: { method: 'chi2', k: 5 }, outlierSigma: 1.5 },
    });
    const restored = FittedPipeline.fromJSON(JSON.parse(JSON.stringify(pipeline)));

    expect(restored.featureNames).toEqual(pipeline.featureNames);
    expect(restored.options).toEqual(pipeline.options);
    expect(restored.toJSON()).toEqual(pipeline.toJSON());
    expect(Array.from(restored.transform(scoring).values)).toEqual(
      Array.from(pipeline.transform(scoring).values),
    );
    expect(Array.from(restored.transform(records).values)).toEqual(Array.from(matrix.values));
    expect(pipeline.toJSON().format).toBe('bullseye.preprocessing/1');

    // The JSON form is a copy: changing it does not change what the pipeline does.
    const copy = pipeline.toJSON() as unknown as { columns: { fill: number }[] };
    copy.columns[0].fill = 999;
    expect(Array.from(pipeline.transform([{}]).values)).toEqual(
      Array.from(restored.transform([{}]).values),
    );
  });

  it('refuses a stored pipeline that is malformed, naming where', () => {
    const json = fitPipeline({ records, columns }).pipeline.toJSON();
    const broken = (change: (copy: Record<string, unknown>) => void): UserError => {
      const copy = JSON.parse(JSON.stringify(json));
      change(copy);

      return userErrorOf(() => FittedPipeline.fromJSON(copy));
    };

    const wrongFormat = broken((copy) => (copy.format = 'bullseye.preprocessing/0'));
    expect(wrongFormat.code).toBe('preprocessing_pipeline_invalid');
    expect(wrongFormat.details[0].path).toBe('$.format');

    const renamed = broken((copy) => ((copy.featureNames as string[])[0] = 'height'));
    expect(renamed.details[0].path).toBe('$.featureNames');

    const badScale = broken((copy) => {
      (copy.columns as { scaling: { std: number } }[])[0].scaling.std = 0;
    });
    expect(badScale.details[0].path).toBe('$.columns[0].scaling.std');

    const selection = broken((copy) => {
      copy.selection = { method: 'chi2', k: 2, scores: [1, 2], selected: [0, 1] };
    });
    expect(selection.details[0].path).toBe('$.selection');

    expect(userErrorOf(() => FittedPipeline.fromJSON('{}')).details[0].path).toBe('$');
  });
});
