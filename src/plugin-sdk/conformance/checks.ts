import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { loadTensorFlow, tensorFlowStatus } from '../../common/tensorflow';
import { compileHyperparameters } from '../../modules/models/hyperparameters';
import { rocAuc } from '../../modules/models/evaluation/metrics';
import { contractProblem, manifestProblems } from '../../modules/models/plugin-manifest';
import type {
  FeatureMatrix,
  ModelPlugin,
  TrainArgs,
  TrainedModel,
  TrainingProgress,
} from '../../plugins/contract';
import { badTrainingSets, LabelledRows, scaledRows, separableRows } from './data';

/** Reads TensorFlow.js's count of live tensors: `tf` itself will do. */
export interface TensorCounter {
  memory(): { numTensors: number };
}

export interface ConformanceOptions {
  /** Hyperparameters to train with, on top of the defaults (e.g. fewer epochs). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Lowest acceptable test ROC AUC on the separable rows; default 0.95. */
  readonly minRocAuc?: number;
  /** Training rows; the test rows are half as many. Default 400. */
  readonly trainingRows?: number;
  readonly seed?: number;
  /** Train/predict/dispose cycles measured for leaks; default 5. */
  readonly cycles?: number;
  /** Heap growth tolerated over those cycles, in bytes; default 4 MiB. */
  readonly heapToleranceBytes?: number;
  /** Longest a training may run on after its signal is aborted, in ms; default 3000. */
  readonly cancelWithinMs?: number;
  /** Time limit of each check, in ms; default 120000. */
  readonly timeoutMs?: number;
  /**
   * The TensorFlow.js the plugin uses, to count its tensors. Default: the host's, once it
   * is loaded; pass your own when the plugin imports a copy of its own.
   */
  readonly tensorFlow?: TensorCounter;
}

export type ResolvedOptions = Required<Omit<ConformanceOptions, 'tensorFlow' | 'params'>> &
  Pick<ConformanceOptions, 'tensorFlow' | 'params'>;

/** What a check says when the plugin falls short: what is wrong and what to change. */
export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
  }
}

/** A plugin under test with its data; models trained through it are disposed at the end. */
export interface ConformanceContext {
  readonly plugin: ModelPlugin<object>;
  readonly options: ResolvedOptions;
  readonly train: LabelledRows;
  readonly test: LabelledRows;
  /** The hyperparameters trained with: defaults plus `options.params`. */
  params(): Record<string, unknown>;
  /** Trains on the training rows with the seed; `overrides` replace any argument. */
  fit(overrides?: Partial<TrainArgs<object>>): Promise<TrainedModel>;
  /** One model trained with the defaults, shared by the checks that only read it. */
  shared(): Promise<TrainedModel>;
  dispose(): void;
}

export interface ConformanceCheck {
  readonly name: string;
  /** Resolves when the plugin passes; rejects with a `ConformanceFailure` otherwise. */
  run(context: ConformanceContext): Promise<void>;
}

export function resolveOptions(options: ConformanceOptions = {}): ResolvedOptions {
  return {
    minRocAuc: 0.95,
    trainingRows: 400,
    seed: 42,
    cycles: 5,
    heapToleranceBytes: 4 * 1024 * 1024,
    cancelWithinMs: 3000,
    timeoutMs: 120_000,
    ...options,
  };
}

export function createConformanceContext(
  plugin: ModelPlugin<object>,
  options: ConformanceOptions = {},
): ConformanceContext {
  const resolved = resolveOptions(options);
  const train = separableRows(resolved.trainingRows, resolved.seed);
  const test = separableRows(Math.max(2, Math.round(resolved.trainingRows / 2)), resolved.seed + 1);
  const owned: TrainedModel[] = [];
  let shared: Promise<TrainedModel> | undefined;
  const params = () => ({
    ...compileHyperparameters(plugin.id, plugin.hyperparameters)(resolved.params, '$.params'),
  });
  const fit = async (overrides: Partial<TrainArgs<object>> = {}) => {
    const model = await plugin.train({
      ...train,
      params: params(),
      seed: resolved.seed,
      ...overrides,
    });
    owned.push(model);

    return model;
  };

  return {
    plugin,
    options: resolved,
    train,
    test,
    params,
    fit,
    shared: () => (shared ??= fit()),
    dispose: () => owned.splice(0).forEach((model) => model.dispose?.()),
  };
}

/** The checks that apply to `plugin`: explain and sample weights only when it declares them. */
export function conformanceChecks(plugin: ModelPlugin<object>): ConformanceCheck[] {
  const checks = [
    manifestCheck,
    defaultsCheck,
    separableCheck,
    probabilitiesCheck,
    determinismCheck,
    roundTripCheck,
    memoryCheck,
    cancellationCheck,
    badInputCheck,
  ];
  if (plugin.capabilities?.explain) checks.push(explainCheck);
  if (plugin.capabilities?.sampleWeights) checks.push(sampleWeightsCheck);

  return checks;
}

export const manifestCheck: ConformanceCheck = {
  name: 'declares a valid manifest for a compatible contract version',
  async run({ plugin }) {
    const problems = manifestProblems(plugin);
    if (problems.length > 0) {
      fail(
        `the manifest is invalid:\n  ${problems.map((p) => `${p.path} ${p.message}`).join('\n  ')}`,
      );
    }

    const incompatible = contractProblem(plugin.contractVersion);
    if (incompatible) fail(`this Bullseye cannot load the plugin: ${incompatible}`);
  },
};

export const defaultsCheck: ConformanceCheck = {
  name: 'has hyperparameter defaults that pass their own schema',
  async run({ plugin, options }) {
    const validate = guard(
      () => compileHyperparameters(plugin.id, plugin.hyperparameters),
      'the hyperparameter schema does not compile',
    );
    guard(
      () => validate(undefined, '$.params'),
      'training with no hyperparameters given (the defaults alone) is refused',
    );
    if (options.params) {
      guard(() => validate(options.params, '$.params'), 'the params given to the kit are refused');
    }
  },
};

export const separableCheck: ConformanceCheck = {
  name: 'learns separable rows (test ROC AUC at or above the floor)',
  async run(context) {
    const model = await context.shared();
    const p = await probabilities(model, context.test.features, 'the test rows');
    const auc = rocAuc(context.test.labels, p);
    if (!(auc >= context.options.minRocAuc)) {
      fail(
        `test ROC AUC on linearly separable rows is ${auc.toFixed(4)}, below ` +
          `${context.options.minRocAuc}; the model does not learn from its features`,
      );
    }
  },
};

export const probabilitiesCheck: ConformanceCheck = {
  name: 'returns one finite probability in [0, 1] per row, also far from the training data',
  async run(context) {
    const model = await context.shared();
    const { features } = context.test;
    await probabilities(model, features, 'the test rows');
    await probabilities(model, scaledRows(features, 1e3), 'rows 1000 times further out');
    await probabilities(model, scaledRows(features, -1e3), 'rows 1000 times further out, mirrored');
    await probabilities(model, scaledRows(features, 0), 'rows of zeros');
    await probabilities(
      model,
      { rows: 0, cols: features.cols, values: new Float64Array(0) },
      'no rows',
    );
  },
};

export const determinismCheck: ConformanceCheck = {
  name: 'trains the same model twice from the same seed',
  async run(context) {
    const first = await context.fit();
    const second = await context.fit();
    const a = await probabilities(first, context.test.features, 'the test rows');
    const b = await probabilities(second, context.test.features, 'the test rows');
    const row = firstDifference(a, b);
    if (row >= 0) {
      fail(
        `two trainings with seed ${context.options.seed} disagree at test row ${row} ` +
          `(${a[row]} and ${b[row]}); draw every random number from the seed`,
      );
    }
  },
};

export const roundTripCheck: ConformanceCheck = {
  name: 'predicts the same after serialize → JSON → deserialize',
  async run(context) {
    const model = await context.shared();
    const artifact = await model.serialize();
    if (typeof artifact?.format !== 'string' || artifact.format.length === 0) {
      fail('serialize() must return { format, data } with a non-empty format such as "mine/1"');
    }

    const restored = await context.plugin.deserialize({
      artifact: JSON.parse(JSON.stringify(artifact)),
    });
    try {
      const before = await probabilities(model, context.test.features, 'the test rows');
      const after = await probabilities(
        restored,
        context.test.features,
        'the test rows after serialize → JSON → deserialize',
      );
      const row = firstDifference(before, after);
      if (row >= 0) {
        fail(
          `the deserialised model predicts ${after[row]} for test row ${row}, the trained one ` +
            `${before[row]}; keep everything predict needs in artifact.data, as plain JSON ` +
            '(typed arrays become objects in JSON: store number arrays)',
        );
      }
    } finally {
      restored.dispose?.();
    }
  },
};

export const memoryCheck: ConformanceCheck = {
  name: 'leaves no tensors and no heap growth over repeated train/predict/dispose cycles',
  async run(context) {
    const cycle = async () => {
      const model = await context.plugin.train({
        ...context.train,
        params: context.params(),
        seed: context.options.seed,
      });
      await model.predict({ features: context.test.features });
      const artifact = JSON.parse(JSON.stringify(await model.serialize()));
      const restored = await context.plugin.deserialize({ artifact });
      await restored.predict({ features: context.test.features });
      await model.explain?.({ features: context.test.features });
      model.dispose?.();
      restored.dispose?.();
    };

    // The first cycles fill caches (compiled kernels, lazily loaded modules) for good.
    await cycle();
    await cycle();
    const counter = await tensorCounter(context.options.tensorFlow);
    const before = { tensors: counter?.memory().numTensors ?? 0, heap: heapBytes() };
    for (let i = 0; i < context.options.cycles; i++) await cycle();
    const after = { tensors: counter?.memory().numTensors ?? 0, heap: heapBytes() };

    const cycles = context.options.cycles;
    if (after.tensors !== before.tensors) {
      fail(
        `${after.tensors - before.tensors} tensors were left behind by ${cycles} cycles; ` +
          'dispose every tensor you make (tf.tidy), and the model’s variables in dispose()',
      );
    }

    // Without a forced collection, garbage not yet collected counts as growth.
    const tolerance = context.options.heapToleranceBytes * (garbageCollector() ? 1 : 8);
    const growth = after.heap - before.heap;
    if (growth > tolerance) {
      fail(
        `memory grew by ${mebibytes(growth)} over ${cycles} cycles (tolerance ` +
          `${mebibytes(tolerance)}); something keeps every model or training set alive`,
      );
    }
  },
};

export const cancellationCheck: ConformanceCheck = {
  name: 'stops with CancelledError soon after its signal is aborted',
  async run(context) {
    const bound = context.options.cancelWithinMs;
    const started = performance.now();
    const early = await settle(context.fit({ signal: AbortSignal.abort() }), 10 * bound);
    expectCancelled(
      early,
      'a signal aborted before training started',
      performance.now() - started,
      bound,
    );

    // Abort at the first progress report, while training is under way.
    const controller = new AbortController();
    let abortedAt: number | null = null;
    const onProgress = (progress: TrainingProgress) => {
      if (abortedAt === null && progress.fraction < 1) {
        abortedAt = performance.now();
        controller.abort();
      }
    };
    const late = await settle(context.fit({ signal: controller.signal, onProgress }), 10 * bound);
    if (abortedAt === null) {
      // The training reported no progress before it finished: there was no moment to abort.
      return;
    }
    expectCancelled(late, 'a signal aborted during training', performance.now() - abortedAt, bound);
  },
};

export const badInputCheck: ConformanceCheck = {
  name: 'refuses bad training sets with a UserError that has a code',
  async run(context) {
    for (const { problem, rows } of badTrainingSets(context.train)) {
      const outcome = await settle(context.fit({ ...rows }), 10 * context.options.cancelWithinMs);
      if (outcome.status === 'resolved') {
        fail(`train accepted ${problem}; throw a UserError with a code (checkTrainingSet does)`);
      }
      if (outcome.status === 'pending') fail(`train did not finish with ${problem}`);
      if (!isUserError(outcome.error)) {
        fail(
          `with ${problem}, train threw ${describeError(outcome.error)}; throw a UserError ` +
            'with a snake_case code and a message that says what to fix',
        );
      }
    }
  },
};

export const explainCheck: ConformanceCheck = {
  name: 'explains scores: finite per-feature contributions that favour the deciding features',
  async run(context) {
    const model = await context.shared();
    if (typeof model.explain !== 'function') {
      fail('the manifest declares capabilities.explain, but trained models have no explain()');
    }

    const { features } = context.test;
    const contributions = await model.explain({ features });
    if (
      contributions?.rows !== features.rows ||
      contributions.cols !== features.cols ||
      !(contributions.values instanceof Float64Array) ||
      contributions.values.length !== features.rows * features.cols
    ) {
      fail(`explain() must return ${features.rows} × ${features.cols} values in a Float64Array`);
    }
    const bad = contributions.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`contribution ${bad} is ${contributions.values[bad]}, not a finite number`);

    const mean = meanAbsolute(contributions);
    const deciding = (mean[0] + mean[1]) / 2;
    const noise = (mean[2] + mean[3]) / 2;
    if (!(deciding > noise)) {
      fail(
        `the two features that decide the label contribute ${deciding.toFixed(4)} on average, ` +
          `the two noise features ${noise.toFixed(4)}; contributions should follow the model`,
      );
    }
  },
};

export const sampleWeightsCheck: ConformanceCheck = {
  name: 'trains with sample weights and refuses weights of the wrong length',
  async run(context) {
    const rows = context.train.labels.length;
    const weights = Float64Array.from({ length: rows }, (_, i) => 1 + (i % 3));
    const model = await context.fit({ sampleWeights: weights });
    const p = await probabilities(model, context.test.features, 'the test rows');
    const auc = rocAuc(context.test.labels, p);
    if (!(auc >= context.options.minRocAuc)) {
      fail(`with sample weights, test ROC AUC is ${auc.toFixed(4)}, below the floor`);
    }

    const wrong = await settle(context.fit({ sampleWeights: weights.subarray(1) }), 10_000);
    if (wrong.status !== 'rejected' || !isUserError(wrong.error)) {
      fail(`${rows - 1} sample weights for ${rows} rows must be refused with a UserError`);
    }
  },
};

type Settled<T> =
  { status: 'resolved'; value: T } | { status: 'rejected'; error: unknown } | { status: 'pending' };

/** How `work` ended, or `pending` if it had not within `ms`. */
export async function settle<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'pending' }), ms);
  });
  const settled = work.then(
    (value): Settled<T> => ({ status: 'resolved', value }),
    (error: unknown): Settled<T> => ({ status: 'rejected', error }),
  );

  return Promise.race([settled, pending]).finally(() => clearTimeout(timer));
}

/** Recognised by name, so that a plugin with its own copy of the SDK passes too. */
export function isUserError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;

  return (
    error instanceof Error &&
    error.name === 'UserError' &&
    typeof code === 'string' &&
    /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(code) &&
    error.message.length > 0
  );
}

function expectCancelled(
  outcome: Settled<TrainedModel>,
  when: string,
  elapsedMs: number,
  boundMs: number,
): void {
  if (outcome.status === 'resolved') {
    outcome.value.dispose?.();
    fail(`train finished normally after ${when}; check signal.aborted and throw CancelledError`);
  }
  if (outcome.status === 'pending') {
    fail(`train was still running ${10 * boundMs} ms after ${when}`);
  }

  const error = outcome.error;
  if (!(error instanceof Error && error.name === 'CancelledError')) {
    fail(`after ${when}, train threw ${describeError(error)} instead of a CancelledError`);
  }
  if (elapsedMs > boundMs) {
    fail(
      `train took ${Math.round(elapsedMs)} ms to stop after ${when}, more than ${boundMs} ms; ` +
        'check the signal more often',
    );
  }
}

async function probabilities(
  model: TrainedModel,
  features: FeatureMatrix,
  what: string,
): Promise<Float64Array> {
  const output: unknown = await model.predict({ features });
  if (!(output instanceof Float64Array)) {
    fail(`predict on ${what} returned ${describeValue(output)}, not a Float64Array`);
  }
  if (output.length !== features.rows) {
    fail(`predict on ${what} returned ${output.length} values for ${features.rows} rows`);
  }
  const bad = output.findIndex((p) => !(Number.isFinite(p) && p >= 0 && p <= 1));
  if (bad >= 0) {
    fail(`predict on ${what} returned ${output[bad]} for row ${bad}; each must be in [0, 1]`);
  }

  return output;
}

function meanAbsolute(matrix: FeatureMatrix): Float64Array {
  const sums = new Float64Array(matrix.cols);
  for (let k = 0; k < matrix.values.length; k++)
    sums[k % matrix.cols] += Math.abs(matrix.values[k]);

  return sums.map((s) => s / Math.max(1, matrix.rows));
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;

  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

async function tensorCounter(given?: TensorCounter): Promise<TensorCounter | undefined> {
  if (given) return given;

  return tensorFlowStatus().backend ? (await loadTensorFlow()).tf : undefined;
}

let collect: (() => void) | null | undefined;

/** `gc`, exposed on the fly when Node was started without `--expose-gc`; null if it cannot be. */
function garbageCollector(): (() => void) | null {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = exposed ?? (vm.runInNewContext('gc') as () => void);
    } catch {
      collect = exposed ?? null;
    }
  }

  return collect;
}

/** Live heap plus array buffers (typed arrays live outside the heap), after collecting. */
function heapBytes(): number {
  const gc = garbageCollector();
  gc?.();
  gc?.();
  const usage = process.memoryUsage();

  return usage.heapUsed + usage.arrayBuffers;
}

function guard<T>(work: () => T, what: string): T {
  try {
    return work();
  } catch (error) {
    return fail(`${what}: ${(error as Error).message}`);
  }
}

function fail(message: string): never {
  throw new ConformanceFailure(message);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return describeValue(error);
  const code = (error as { code?: unknown }).code;

  return `${error.name}${code === undefined ? '' : ` (code ${String(code)})`}: ${error.message}`;
}

function describeValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);

  return value.constructor?.name ?? 'an object';
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
