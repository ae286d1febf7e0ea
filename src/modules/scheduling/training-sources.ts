import { Injectable } from '@nestjs/common';
import { ErrorDetail, UserError } from '../../common/errors';
import { DatasetsService } from '../datasets/datasets.service';
import type { TrainingData } from '../models/training';

/** Retrain on the labelled rows of an imported dataset. */
export interface DatasetSource {
  readonly kind: 'dataset';
  readonly datasetId: string;
}

/**
 * Where a retraining run takes its labelled rows from, told apart by `kind`.
 *
 * To add a kind (a label view that joins campaign decisions with their outcomes, say): add
 * its shape to this union, write a `TrainingSourceKind` for it, and register that with
 * `TrainingSources.register` from its module's `onModuleInit`. Schedules store the source
 * as JSON, so existing schedules keep working.
 */
export type TrainingSource = DatasetSource;

/** What any source looks like to the code that only passes it on. */
export interface SourceShape {
  readonly kind: string;
}

/** The labelled rows a source gave, and what the model versions trained on them record. */
export interface LoadedTrainingSet extends TrainingData {
  /** Stored as the versions' dataset id; the drift reference is computed from it. */
  readonly datasetId: string;
  /** For logs and reasons, e.g. `dataset bank (3f2c…)`. */
  readonly description: string;
}

/** How schedules name, check and load one kind of source. */
export interface TrainingSourceKind<S extends SourceShape = SourceShape> {
  readonly kind: S['kind'];
  /** One line for error messages, e.g. `{ "kind": "dataset", "datasetId": "…" }`. */
  readonly example: string;
  /**
   * Reads a source of this kind from JSON; each problem goes to `problems` with its JSON
   * path under `path`. Returns undefined when there were problems.
   */
  parse(
    input: Readonly<Record<string, unknown>>,
    path: string,
    problems: ErrorDetail[],
  ): S | undefined;
  /** Checks what parsing cannot, such as that the dataset exists; throws a UserError. */
  check(source: S): Promise<void>;
  load(source: S): Promise<LoadedTrainingSet>;
}

/** The kinds of training source schedules can name; `dataset` is built in. */
@Injectable()
export class TrainingSources {
  private readonly kinds = new Map<string, TrainingSourceKind>();

  constructor(datasets: DatasetsService) {
    this.register(datasetSourceKind(datasets));
  }

  /** Adds a kind; returns a function that removes it again. */
  register<S extends SourceShape>(kind: TrainingSourceKind<S>): () => void {
    if (this.kinds.has(kind.kind)) {
      throw new Error(`A training source kind "${kind.kind}" is already registered.`);
    }
    const entry = kind as unknown as TrainingSourceKind;
    this.kinds.set(kind.kind, entry);

    return () => {
      if (this.kinds.get(kind.kind) === entry) this.kinds.delete(kind.kind);
    };
  }

  /** Reads a source from JSON, reporting problems under `path` (e.g. `$.source`). */
  parse(input: unknown, path: string, problems: ErrorDetail[]): SourceShape | undefined {
    const examples = [...this.kinds.values()].map((k) => k.example).join(' or ');
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      problems.push({ path, message: `must be an object such as ${examples}` });

      return undefined;
    }
    const record = input as Record<string, unknown>;
    const kind = typeof record.kind === 'string' ? this.kinds.get(record.kind) : undefined;
    if (!kind) {
      problems.push({
        path: `${path}.kind`,
        message: `must be one of ${[...this.kinds.keys()].map((k) => `"${k}"`).join(', ')}`,
      });

      return undefined;
    }

    return kind.parse(record, path, problems);
  }

  async check(source: SourceShape): Promise<void> {
    await this.kindOf(source).check(source);
  }

  load(source: SourceShape): Promise<LoadedTrainingSet> {
    return this.kindOf(source).load(source);
  }

  private kindOf(source: SourceShape): TrainingSourceKind {
    const kind = this.kinds.get(source.kind);
    if (!kind) {
      throw new UserError(
        'training_source_unknown',
        `This schedule's training source is of kind "${source.kind}", which this process does ` +
          `not know (known: ${[...this.kinds.keys()].join(', ')}); change the schedule's source.`,
        422,
        [{ path: '$.source.kind', message: 'unknown kind' }],
      );
    }

    return kind;
  }
}

function datasetSourceKind(datasets: DatasetsService): TrainingSourceKind<DatasetSource> {
  return {
    kind: 'dataset',
    example: '{ "kind": "dataset", "datasetId": "…" }',
    parse(input, path, problems) {
      const before = problems.length;
      for (const key of Object.keys(input)) {
        if (key !== 'kind' && key !== 'datasetId') {
          problems.push({ path: `${path}.${key}`, message: 'is not a field of a dataset source' });
        }
      }
      const { datasetId } = input;
      if (typeof datasetId !== 'string' || datasetId.length === 0 || datasetId.length > 64) {
        problems.push({ path: `${path}.datasetId`, message: 'must name an imported dataset' });
      }

      return problems.length === before
        ? { kind: 'dataset', datasetId: datasetId as string }
        : undefined;
    },
    async check(source) {
      const dataset = await datasets.get(source.datasetId);
      if (dataset.schema.target === undefined) {
        throw new UserError(
          'dataset_no_target',
          `Dataset "${dataset.name}" (${dataset.id}) has no target column to learn from; ` +
            'name a dataset imported with a target.',
          422,
          [{ path: '$.source.datasetId', message: 'must name a dataset with a target column' }],
        );
      }
    },
    async load(source) {
      const set = await datasets.loadTrainingSet(source.datasetId);

      return {
        schema: set.schema,
        records: set.records,
        labels: set.labels,
        datasetId: set.dataset.id,
        description: `dataset ${set.dataset.name} (${set.dataset.id})`,
      };
    },
  };
}
