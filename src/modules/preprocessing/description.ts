import { PreprocessingOptions, SelectionMethod } from './options';
import {
  candidateFeatureNames,
  SerializedCategoricalColumn,
  SerializedColumn,
  SerializedPipeline,
  SerializedSelection,
} from './serialization';

/** What the model version page shows about a pipeline, step by step. */
export interface PipelineDescription {
  readonly format: string;
  readonly training: { readonly rows: number; readonly keptRows: number; droppedRows: number };
  readonly featureNames: readonly string[];
  readonly steps: readonly PipelineStepDescription[];
}

export type PipelineStepDescription =
  | {
      readonly step: 'encode';
      readonly columns: readonly { column: string; type: string; features: string[] }[];
    }
  | {
      readonly step: 'impute';
      readonly numeric: PreprocessingOptions['numericImpute'];
      readonly categorical: PreprocessingOptions['categoricalImpute'];
      /** `value` is what replaces a missing value; `null` means all zeros. */
      readonly columns: readonly {
        column: string;
        missing: number;
        value: number | string | null;
      }[];
    }
  | {
      readonly step: 'outliers';
      readonly method: PreprocessingOptions['outliers'];
      readonly sigma: number;
      readonly columns: readonly {
        column: string;
        mean: number;
        std: number;
        lower: number;
        upper: number;
        outside: number;
      }[];
    }
  | {
      readonly step: 'standardize';
      readonly enabled: boolean;
      readonly columns: readonly { column: string; mean: number; std: number }[];
    }
  | {
      readonly step: 'one_hot';
      readonly maxCategories: number;
      readonly columns: readonly {
        column: string;
        categories: { value: string; count: number }[];
        other: { label: string; categories: number; rows: number } | null;
        missingIndicator: string | null;
      }[];
    }
  | {
      readonly step: 'selection';
      /** `null` when selection is off (then `features` is empty: all are kept). */
      readonly method: SelectionMethod | null;
      readonly k: number | null;
      /** Every feature before selection; `score` null stands for +∞ (perfect separation). */
      readonly features: readonly { feature: string; score: number | null; selected: boolean }[];
    };

export function describePipeline(state: SerializedPipeline): PipelineDescription {
  const { options, columns, selection } = state;
  const numeric = columns.filter((c) => c.kind === 'numeric');
  const categorical = columns.filter((c) => c.kind === 'categorical');

  const steps: PipelineStepDescription[] = [
    {
      step: 'encode',
      columns: columns.map((c) => ({
        column: c.name,
        type: c.kind === 'numeric' ? c.type : c.kind,
        features: candidateFeatureNames([c]),
      })),
    },
    {
      step: 'impute',
      numeric: options.numericImpute,
      categorical: options.categoricalImpute,
      columns: columns.map((c) => ({
        column: c.name,
        missing: c.missing,
        value: c.kind !== 'categorical' ? c.fill : categoricalFill(c, options),
      })),
    },
    {
      step: 'outliers',
      method: options.outliers,
      sigma: options.outlierSigma,
      columns: numeric.map((c) => ({ column: c.name, ...c.outliers })),
    },
    {
      step: 'standardize',
      enabled: options.standardize,
      columns: numeric.flatMap((c) =>
        c.scaling === null ? [] : [{ column: c.name, ...c.scaling }],
      ),
    },
    {
      step: 'one_hot',
      maxCategories: options.maxCategories,
      columns: categorical.map((c) => ({
        column: c.name,
        categories: c.categories.map((value, i) => ({ value, count: c.counts[i] })),
        other:
          c.otherLabel === null
            ? null
            : { label: c.otherLabel, categories: c.folded.length, rows: c.foldedRows },
        missingIndicator: c.missingLabel,
      })),
    },
    describeSelection(state.columns, selection),
  ];

  return {
    format: state.format,
    training: { ...state.training, droppedRows: state.training.rows - state.training.keptRows },
    featureNames: state.featureNames,
    steps,
  };
}

function categoricalFill(
  column: SerializedCategoricalColumn,
  options: PreprocessingOptions,
): string | null {
  if (options.categoricalImpute === 'missing') return column.missingLabel;

  return column.categories[0] ?? null;
}

function describeSelection(
  columns: readonly SerializedColumn[],
  selection: SerializedSelection | null,
): PipelineStepDescription {
  if (selection === null) return { step: 'selection', method: null, k: null, features: [] };

  const names = candidateFeatureNames(columns);
  const selected = new Set(selection.selected);

  return {
    step: 'selection',
    method: selection.method,
    k: selection.k,
    features: names.map((feature, i) => ({
      feature,
      score: selection.scores[i],
      selected: selected.has(i),
    })),
  };
}
