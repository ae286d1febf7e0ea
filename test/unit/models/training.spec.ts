import { CancelledError, UserError } from '../../../src/common/errors';
import { FittedPipeline } from '../../../src/modules/preprocessing/pipeline';
import { calibratorFromJSON, stratifiedSplit } from '../../../src/modules/models/evaluation';
import { trainModel, TrainingStep } from '../../../src/modules/models/training';
import { fakeLinearPlugin, syntheticCustomers, trainedModels } from './fake-plugins';

const data = syntheticCustomers(3000);
const params = { epochs: 300, learningRate: 0.5 };

describe('trainModel', () => {
  beforeEach(() => {
    trainedModels.length = 0;
  });

  it('splits, fits the pipeline on the training split, calibrates and evaluates', async () => {
    const steps: TrainingStep[] = [];
    const outcome = await trainModel({
      data,
      plugin: fakeLinearPlugin(),
      params,
      onProgress: (step) => steps.push(step),
    });
    const { test, trainRocAuc } = outcome.metrics;
    process.stdout.write(
      `fake plugin on 3000 synthetic rows: test ROC AUC ${test.rocAuc.toFixed(4)}, ` +
        `train ${trainRocAuc.toFixed(4)}, mean p ${test.meanPredicted.toFixed(4)} vs rate ` +
        `${test.positiveRate.toFixed(4)}, threshold ${outcome.threshold.toFixed(3)}` +
        '\n',
    );

    expect(outcome.metrics.rows).toEqual({
      train: 2400,
      test: 600,
      dropped: 0,
      fit: 1920,
      calibration: 480,
    });
    // The pipeline learnt from the 2400 training rows only.
    expect(FittedPipeline.fromJSON(outcome.pipeline).toJSON().training.rows).toBe(2400);
    expect(outcome.featureNames).toEqual(expect.arrayContaining(['age', 'balance']));
    expect(test.rocAuc).toBeGreaterThan(0.75);
    expect(Math.abs(trainRocAuc - test.rocAuc)).toBeLessThan(0.05);
    expect(Math.abs(test.meanPredicted - test.positiveRate)).toBeLessThan(0.03);
    expect(outcome.calibrator.method).toBe('platt');
    expect(outcome.threshold).toBeGreaterThan(0);
    expect(outcome.threshold).toBeLessThan(1);
    expect(test.threshold).toBe(outcome.threshold);
    expect(outcome.artifact.format).toBe('fake-linear/1');
    expect(outcome.metrics.cv).toBeNull();
    // Progress rises from 0 to 1 through every stage.
    expect(steps.map((s) => s.stage)).toEqual(
      expect.arrayContaining(['preprocessing', 'training', 'calibration', 'evaluation']),
    );
    expect(steps.every((s, i) => i === 0 || s.fraction >= steps[i - 1].fraction)).toBe(true);
    expect(trainedModels).toHaveLength(1);
    expect(trainedModels[0].disposed).toBe(true);
  });

  it('gives the same test probabilities when trained twice with the same seed', async () => {
    const first = await trainModel({ data, plugin: fakeLinearPlugin(), params });
    const second = await trainModel({ data, plugin: fakeLinearPlugin(), params });
    const other = await trainModel({
      data,
      plugin: fakeLinearPlugin(),
      params,
      options: { seed: 1 },
    });

    expect(second.metrics.test.rocAuc).toBe(first.metrics.test.rocAuc);
    expect(second.threshold).toBe(first.threshold);
    expect(other.metrics.test.rocAuc).not.toBe(first.metrics.test.rocAuc);
  });

  it('stores a calibrator that reproduces the reported test metrics', async () => {
    const outcome = await trainModel({
      data,
      plugin: fakeLinearPlugin(),
      params,
      options: { calibration: 'isotonic' },
    });
    const split = stratifiedSplit(data.labels, { testShare: 0.2, seed: 42 });
    const pipeline = FittedPipeline.fromJSON(outcome.pipeline);
    const model = await fakeLinearPlugin().deserialize({ artifact: outcome.artifact });
    const features = pipeline.transform(Array.from(split.test, (row) => data.records[row]));
    const calibrated = calibratorFromJSON(outcome.calibrator).apply(
      await model.predict({ features }),
    );
    const mean = calibrated.reduce((sum, p) => sum + p, 0) / calibrated.length;

    expect(outcome.calibrator.method).toBe('isotonic');
    expect(mean).toBeCloseTo(outcome.metrics.test.meanPredicted, 12);
  });

  it('cross-validates on the training split when asked, disposing every fold model', async () => {
    const outcome = await trainModel({
      data,
      plugin: fakeLinearPlugin(),
      params: { epochs: 100, learningRate: 0.5 },
      options: { cvFolds: 3 },
    });
    const cv = outcome.metrics.cv;
    process.stdout.write(
      `3-fold CV ROC AUC ${cv?.meanRocAuc.toFixed(4)} ± ${cv?.stdRocAuc.toFixed(4)}\n`,
    );

    expect(cv?.folds).toBe(3);
    expect(cv?.rocAuc).toHaveLength(3);
    expect(cv?.meanRocAuc).toBeGreaterThan(0.75);
    expect(cv?.stdRocAuc).toBeLessThan(0.05);
    expect(trainedModels).toHaveLength(4);
    expect(trainedModels.every((m) => m.disposed)).toBe(true);
  });

  it.each([
    ['NaN', (p: Float64Array) => p.map((v, i) => (i === 3 ? NaN : v)), /row 3 is NaN/],
    ['above 1', (p: Float64Array) => p.map((v) => v * 2), /outside \[0, 1\]/],
    ['negative', (p: Float64Array) => p.map((v) => v - 1), /outside \[0, 1\]/],
    ['too short', (p: Float64Array) => p.subarray(1), /expected \d+ values, got \d+/],
    ['a plain array', (p: Float64Array) => [...p] as unknown as Float64Array, /Float64Array/],
  ])('rejects a plugin whose output is %s', async (_name, distort, problem) => {
    const attempt = trainModel({ data, plugin: fakeLinearPlugin({ distort }), params });

    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toMatchObject({
      code: 'plugin_output_invalid',
      message: expect.stringMatching(problem),
    });
    expect(trainedModels.every((m) => m.disposed)).toBe(true);
  });

  it('stops with CancelledError when the signal aborts during training', async () => {
    const controller = new AbortController();
    const plugin = fakeLinearPlugin({ onEpoch: (epoch) => epoch === 50 && controller.abort() });
    const attempt = trainModel({ data, plugin, params, signal: controller.signal });

    await expect(attempt).rejects.toBeInstanceOf(CancelledError);
  });
});
