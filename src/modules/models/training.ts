import { CancelledError } from '../../common/errors';
import type {
  FeatureMatrix,
  ModelArtifact,
  ModelPlugin,
  TrainedModel,
} from '../../plugins/contract';
import type { ColumnSchema, CustomerAttributes, DatasetSchema } from '../datasets/dataset-schema';
import { PreprocessingOptions } from '../preprocessing/options';
import { fitPipeline } from '../preprocessing/pipeline';
import { PersonalFeatureReport, trainingColumns } from '../privacy/personal-columns';
import {
  bestF1Threshold,
  CalibrationMethod,
  Calibrator,
  EvaluationReport,
  evaluate,
  fitCalibrator,
  rocAuc,
  SerializedCalibrator,
  stratifiedKFold,
  stratifiedSplit,
} from './evaluation';
import { checkPluginOutput } from './plugin-output';

/** How the host trains and measures a plugin; the same for every plugin. */
export interface TrainingOptions {
  /** Share of the rows held out (stratified) to measure the model on. */
  readonly testShare: number;
  /** Seed of the splits and of the plugin's own random choices. */
  readonly seed: number;
  readonly calibration: CalibrationMethod;
  /** Share of the training split held out to fit the calibrator on; unused with `none`. */
  readonly calibrationShare: number;
  readonly preprocessing: Partial<PreprocessingOptions>;
  /** Folds of cross-validation on the training split; 0 turns it off. */
  readonly cvFolds: number;
  /** Let personal columns be features; when not set, the host drops them before fitting. */
  readonly allowPersonalFeatures?: boolean;
}

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = Object.freeze({
  testShare: 0.2,
  seed: 42,
  calibration: 'platt',
  calibrationShare: 0.2,
  preprocessing: {},
  cvFolds: 0,
});

/** Labelled customers: what `DatasetsService.loadTrainingSet` returns, in short. */
export interface TrainingData {
  readonly schema: DatasetSchema;
  readonly records: readonly CustomerAttributes[];
  readonly labels: Uint8Array;
}

export type TrainingStage =
  'preprocessing' | 'training' | 'calibration' | 'evaluation' | 'cross-validation';

export interface TrainingStep {
  /** 0 to 1 for the whole training of this plugin. */
  readonly fraction: number;
  readonly stage: TrainingStage;
  readonly message: string;
  readonly loss?: number;
}

export interface CrossValidation {
  readonly folds: number;
  /** ROC AUC of the uncalibrated model on each fold. */
  readonly rocAuc: number[];
  readonly meanRocAuc: number;
  /** Sample standard deviation across the folds. */
  readonly stdRocAuc: number;
}

export interface TrainingMetrics {
  /** Every measure on the test split, with the calibrated probabilities. */
  readonly test: EvaluationReport;
  /** ROC AUC on the training split: far above the test's means overfitting. */
  readonly trainRocAuc: number;
  readonly cv: CrossValidation | null;
  /** The personal columns among the features, and which were dropped. */
  readonly personal: PersonalFeatureReport;
  readonly rows: {
    readonly train: number;
    readonly test: number;
    /** Training rows the pipeline dropped (outliers with `outliers: drop`). */
    readonly dropped: number;
    /** Rows the plugin was fitted on and rows the calibrator was fitted on. */
    readonly fit: number;
    readonly calibration: number;
  };
}

export interface TrainingTimings {
  readonly preprocessSeconds: number;
  readonly fitSeconds: number;
  readonly calibrateSeconds: number;
  readonly evaluateSeconds: number;
  readonly cvSeconds: number;
  readonly totalSeconds: number;
}

/** Everything a model version is made of. Plain JSON apart from typed arrays in none. */
export interface TrainingOutcome {
  readonly pluginId: string;
  readonly pluginVersion: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly options: TrainingOptions;
  readonly featureNames: string[];
  readonly threshold: number;
  readonly metrics: TrainingMetrics;
  readonly timings: TrainingTimings;
  readonly pipeline: unknown;
  readonly calibrator: SerializedCalibrator;
  readonly artifact: ModelArtifact;
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface TrainModelArgs {
  readonly data: TrainingData;
  readonly plugin: ModelPlugin<object>;
  /** Hyperparameters already validated against the plugin's schema. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly options?: Partial<TrainingOptions>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (step: TrainingStep) => void;
}

/**
 * Trains one plugin the way the host always does: a stratified train/test split; the
 * pipeline fitted on the training split only; a stratified part of the training split
 * kept back to fit the calibrator on; the plugin trained on the rest; the decision
 * threshold chosen for the best F1 on the calibrated training split; every measure taken
 * on the test split; and, when asked, k-fold cross-validation on the training split.
 * Personal columns are no features unless `allowPersonalFeatures` is set.
 *
 * @throws UserError `plugin_output_invalid` when the plugin returns NaN, values outside
 *   [0, 1] or the wrong number of them; CancelledError when `signal` aborts.
 */
export async function trainModel(args: TrainModelArgs): Promise<TrainingOutcome> {
  const { data, plugin, params, signal } = args;
  const options = { ...DEFAULT_TRAINING_OPTIONS, ...args.options };
  const clock = stopwatch();
  const cvWeight = options.cvFolds > 0 ? 0.4 : 0;
  const report = (stage: TrainingStage, fraction: number, message: string, loss?: number) =>
    args.onProgress?.({ stage, fraction: fraction * (1 - cvWeight), message, loss });

  report('preprocessing', 0, 'splitting and fitting the pipeline');
  const { columns, report: personal } = trainingColumns(
    data.schema.columns,
    options.allowPersonalFeatures === true,
  );
  const split = stratifiedSplit(data.labels, { testShare: options.testShare, seed: options.seed });
  const trainLabelsAll = pick(data.labels, split.train);
  const fitted = fitPipeline({
    records: pickRecords(data.records, split.train),
    columns,
    labels: trainLabelsAll,
    options: options.preprocessing,
  });
  const { pipeline, matrix } = fitted;
  const trainLabels = pick(trainLabelsAll, fitted.keptRows);
  const preprocessSeconds = clock.lap();
  throwIfAborted(signal);

  const useCalibration = options.calibration !== 'none' && options.calibrationShare > 0;
  const parts = useCalibration
    ? stratifiedSplit(trainLabels, { testShare: options.calibrationShare, seed: options.seed + 1 })
    : { train: allRows(trainLabels.length), test: new Uint32Array(0) };

  report('training', 0.05, `training ${plugin.id} on ${parts.train.length} rows`);
  const model = await plugin.train({
    features: pickRows(matrix, parts.train),
    labels: pick(trainLabels, parts.train),
    featureNames: [...pipeline.featureNames],
    params,
    seed: options.seed,
    signal,
    onProgress: (p) =>
      report('training', 0.05 + 0.8 * clamp01(p.fraction), p.message ?? 'training', p.loss),
  });
  try {
    const fitSeconds = clock.lap();
    throwIfAborted(signal);

    report('calibration', 0.85, `fitting ${options.calibration} calibration`);
    const trainRaw = await predict(model, plugin.id, matrix, 'predicting the training split');
    const calibrator: Calibrator = useCalibration
      ? fitCalibrator({
          method: options.calibration,
          labels: pick(trainLabels, parts.test),
          probabilities: pick(trainRaw, parts.test),
        })
      : fitCalibrator({ method: 'none', labels: trainLabels, probabilities: trainRaw });
    const trainCalibrated = calibrator.apply(trainRaw);
    const threshold = bestF1Threshold(trainLabels, trainCalibrated);
    const calibrateSeconds = clock.lap();

    report('evaluation', 0.9, 'evaluating on the test split');
    const testMatrix = pipeline.transform(pickRecords(data.records, split.test));
    const testRaw = await predict(model, plugin.id, testMatrix, 'predicting the test split');
    const test = evaluate({
      labels: pick(data.labels, split.test),
      probabilities: calibrator.apply(testRaw),
      threshold,
    });
    const trainRocAuc = rocAuc(trainLabels, trainCalibrated);
    const artifact = await model.serialize();
    const evaluateSeconds = clock.lap();

    const cv =
      options.cvFolds > 0
        ? await crossValidate({
            ...args,
            options,
            columns,
            records: pickRecords(data.records, split.train),
            labels: trainLabelsAll,
            onFold: (fold, message) =>
              args.onProgress?.({
                stage: 'cross-validation',
                fraction: 1 - cvWeight + (cvWeight * fold) / options.cvFolds,
                message,
              }),
          })
        : null;
    const cvSeconds = clock.lap();

    return {
      pluginId: plugin.id,
      pluginVersion: plugin.version,
      params,
      options,
      featureNames: [...pipeline.featureNames],
      threshold,
      metrics: {
        test,
        trainRocAuc,
        cv,
        personal,
        rows: {
          train: split.train.length,
          test: split.test.length,
          dropped: split.train.length - trainLabels.length,
          fit: parts.train.length,
          calibration: parts.test.length,
        },
      },
      timings: {
        preprocessSeconds,
        fitSeconds,
        calibrateSeconds,
        evaluateSeconds,
        cvSeconds,
        totalSeconds: clock.total(),
      },
      pipeline: pipeline.toJSON(),
      calibrator: calibrator.toJSON(),
      artifact,
      summary: { ...model.summary },
    };
  } finally {
    model.dispose?.();
  }
}

/** Trains the plugin on k − 1 folds and measures the uncalibrated ROC AUC on the k-th. */
async function crossValidate(args: {
  readonly plugin: ModelPlugin<object>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly data: TrainingData;
  readonly options: TrainingOptions;
  readonly columns: readonly ColumnSchema[];
  readonly records: readonly CustomerAttributes[];
  readonly labels: Uint8Array;
  readonly signal?: AbortSignal;
  readonly onFold: (fold: number, message: string) => void;
}): Promise<CrossValidation> {
  const { plugin, params, options, records, labels, signal } = args;
  const folds = stratifiedKFold(labels, { folds: options.cvFolds, seed: options.seed + 2 });
  const scores: number[] = [];

  for (let k = 0; k < folds.length; k++) {
    throwIfAborted(signal);
    args.onFold(k, `cross-validation fold ${k + 1}/${folds.length}`);
    const inFold = new Uint8Array(labels.length);
    for (const row of folds[k]) inFold[row] = 1;
    const trainRows = allRows(labels.length).filter((row) => inFold[row] === 0);
    const fitted = fitPipeline({
      records: pickRecords(records, trainRows),
      columns: args.columns,
      labels: pick(labels, trainRows),
      options: options.preprocessing,
    });
    const model = await plugin.train({
      features: fitted.matrix,
      labels: pick(pick(labels, trainRows), fitted.keptRows),
      featureNames: [...fitted.pipeline.featureNames],
      params,
      seed: options.seed,
      signal,
    });
    try {
      const held = fitted.pipeline.transform(pickRecords(records, folds[k]));
      const raw = await predict(model, plugin.id, held, `predicting fold ${k + 1}`);
      scores.push(rocAuc(pick(labels, folds[k]), raw));
    } finally {
      model.dispose?.();
    }
  }
  args.onFold(folds.length, 'cross-validation done');

  return { folds: folds.length, rocAuc: scores, ...meanAndStd(scores) };
}

async function predict(
  model: TrainedModel,
  pluginId: string,
  features: FeatureMatrix,
  stage: string,
): Promise<Float64Array> {
  const output = await model.predict({ features });

  return checkPluginOutput(output, features.rows, pluginId, stage);
}

function meanAndStd(values: readonly number[]): { meanRocAuc: number; stdRocAuc: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const squares = values.reduce((sum, v) => sum + (v - mean) ** 2, 0);

  return {
    meanRocAuc: mean,
    stdRocAuc: values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0,
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CancelledError('The training was cancelled.');
  }
}

function stopwatch(): { lap(): number; total(): number } {
  const start = performance.now();
  let last = start;

  return {
    lap: () => {
      const now = performance.now();
      const seconds = (now - last) / 1000;
      last = now;

      return seconds;
    },
    total: () => (performance.now() - start) / 1000,
  };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function allRows(n: number): Uint32Array {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;

  return rows;
}

function pick<T extends Uint8Array | Float64Array>(values: T, rows: Uint32Array): T {
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];

  return out;
}

function pickRecords(
  records: readonly CustomerAttributes[],
  rows: Uint32Array,
): CustomerAttributes[] {
  return Array.from(rows, (row) => records[row]);
}

/** The given rows of a matrix, copied into a new one. */
export function pickRows(matrix: FeatureMatrix, rows: Uint32Array): FeatureMatrix {
  const { cols } = matrix;
  const values = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    values.set(matrix.values.subarray(rows[i] * cols, (rows[i] + 1) * cols), i * cols);
  }

  return { rows: rows.length, cols, values };
}
