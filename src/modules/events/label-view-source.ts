import type { ErrorDetail } from '../../common/errors';
import type { DatasetsService } from '../datasets/datasets.service';
import type { TrainingSourceKind } from '../scheduling/training-sources';
import type { LabelsService } from './labels.service';
import { isOutcomeType, OUTCOME_TYPES, OutcomeType } from './outcome-types';

/**
 * A retraining schedule's source that learns from the campaigns' own results: at each run
 * the label view is imported as a new dataset (see `LabelsService.buildTrainingDataset`)
 * and the challenger trains on it. `campaignIds` absent: every campaign.
 *
 * ```json
 * { "kind": "label_view", "campaignIds": ["…"], "outcome": "converted", "windowDays": 14 }
 * ```
 */
export interface LabelViewSource {
  readonly kind: 'label_view';
  readonly campaignIds?: string[];
  readonly outcome?: OutcomeType;
  readonly windowDays?: number;
}

const FIELDS = ['kind', 'campaignIds', 'outcome', 'windowDays'];

export function labelViewSourceKind(
  labels: LabelsService,
  datasets: DatasetsService,
): TrainingSourceKind<LabelViewSource> {
  return {
    kind: 'label_view',
    example: '{ "kind": "label_view", "outcome": "converted", "windowDays": 14 }',
    parse: (input, path, problems) => parseLabelViewSource(input, path, problems),
    async check(source) {
      labels.options(source);
      await labels.checkCampaigns(source.campaignIds ?? []);
    },
    async load(source) {
      const built = await labels.buildTrainingDataset(source);
      const set = await datasets.loadTrainingSet(built.dataset.id);

      return {
        schema: set.schema,
        records: set.records,
        labels: set.labels,
        datasetId: built.dataset.id,
        description:
          `label view ${built.dataset.name} (${built.dataset.id}): ${built.treated} contacted, ` +
          `${built.untreated} held out`,
      };
    },
  };
}

export function parseLabelViewSource(
  input: Readonly<Record<string, unknown>>,
  path: string,
  problems: ErrorDetail[],
): LabelViewSource | undefined {
  const before = problems.length;
  for (const key of Object.keys(input)) {
    if (!FIELDS.includes(key)) {
      problems.push({ path: `${path}.${key}`, message: 'is not a field of a label_view source' });
    }
  }
  const { campaignIds, outcome, windowDays } = input;
  const idsOk =
    campaignIds === undefined ||
    (Array.isArray(campaignIds) &&
      campaignIds.length > 0 &&
      campaignIds.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 36));
  if (!idsOk) {
    problems.push({
      path: `${path}.campaignIds`,
      message: 'must list campaign ids, or be left out',
    });
  }
  if (outcome !== undefined && !isOutcomeType(outcome)) {
    problems.push({
      path: `${path}.outcome`,
      message: `must be one of ${OUTCOME_TYPES.join(', ')}`,
    });
  }
  const windowOk =
    windowDays === undefined ||
    (typeof windowDays === 'number' && windowDays > 0 && windowDays <= 365);
  if (!windowOk) {
    problems.push({
      path: `${path}.windowDays`,
      message: 'must be a number of days, above 0 to 365',
    });
  }
  if (problems.length > before) {
    return undefined;
  }

  return {
    kind: 'label_view',
    ...(campaignIds === undefined ? {} : { campaignIds: [...(campaignIds as string[])] }),
    ...(outcome === undefined ? {} : { outcome: outcome as OutcomeType }),
    ...(windowDays === undefined ? {} : { windowDays: windowDays as number }),
  };
}
