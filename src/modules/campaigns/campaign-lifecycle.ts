/**
 * The lifecycle of a campaign. A draft is written and reviewed; activation makes runs and
 * real-time decisions use it; a pause stops them and lets the definition be changed again;
 * archiving retires it for good (its decisions stay on record).
 *
 *   draft ──► active ◄──► paused
 *     │         │           │
 *     └─────────┴───────────┴──► archived
 */
import { ConflictError } from '../../common/errors';

export type CampaignStatus = 'draft' | 'active' | 'paused' | 'archived';

export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = [
  'draft',
  'active',
  'paused',
  'archived',
];

/** What a person asks of a campaign's status. */
export type CampaignTransition = 'activate' | 'pause' | 'archive';

export const CAMPAIGN_TRANSITIONS: readonly CampaignTransition[] = ['activate', 'pause', 'archive'];

const TARGET: Readonly<Record<CampaignTransition, CampaignStatus>> = {
  activate: 'active',
  pause: 'paused',
  archive: 'archived',
};

const NEXT: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

export function canTransition(from: CampaignStatus, to: CampaignStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * The status `transition` leads to from `from`.
 *
 * @throws ConflictError `campaign_transition_invalid` naming both states.
 */
export function nextStatus(from: CampaignStatus, transition: CampaignTransition): CampaignStatus {
  const to = TARGET[transition];
  if (!canTransition(from, to)) {
    const allowed = NEXT[from];
    const hint = allowed.length
      ? `from "${from}" it can go to ${allowed.map((s) => `"${s}"`).join(' or ')}`
      : `"${from}" is final`;

    throw new ConflictError(
      'campaign_transition_invalid',
      `A campaign cannot go from "${from}" to "${to}"; ${hint}.`,
      [
        {
          path: '$.status',
          message: `cannot ${transition} ${withArticle(from)} campaign`,
          from,
          to,
        },
      ],
    );
  }

  return to;
}

/** Rules, audience and model change only while nothing decides with them. */
export function definitionEditable(status: CampaignStatus): boolean {
  return status === 'draft' || status === 'paused';
}

/**
 * @throws ConflictError `campaign_not_editable` when `fields` (the names of the parts being
 *   changed, e.g. `rules`) may not change in `status`.
 */
export function checkEditable(status: CampaignStatus, fields: readonly string[]): void {
  if (status === 'archived') {
    throw new ConflictError(
      'campaign_archived',
      'An archived campaign cannot change; create a new campaign instead.',
    );
  }
  if (fields.length > 0 && !definitionEditable(status)) {
    throw new ConflictError(
      'campaign_not_editable',
      `The ${fields.join(', ')} of an ${status} campaign cannot change; pause it first.`,
      fields.map((field) => ({
        path: `$.${field}`,
        message: `cannot change while the campaign is ${status}`,
      })),
    );
  }
}

/** @throws ConflictError `campaign_not_deletable` unless the campaign is a draft. */
export function checkDeletable(status: CampaignStatus): void {
  if (status !== 'draft') {
    throw new ConflictError(
      'campaign_not_deletable',
      `Only a draft campaign can be deleted; this one is ${status}, archive it instead.`,
    );
  }
}

/** What activation needs to know beyond the status. */
export interface ActivationFacts {
  readonly modelName: string;
  readonly hasChampion: boolean;
  readonly ruleCount: number;
}

/**
 * @throws ConflictError `campaign_model_has_no_champion` or `campaign_has_no_rules`.
 */
export function checkActivation(facts: ActivationFacts): void {
  if (!facts.hasChampion) {
    throw new ConflictError(
      'campaign_model_has_no_champion',
      `Model "${facts.modelName}" has no champion to score with; promote a version first.`,
      [{ path: '$.modelName', message: 'the model has no champion' }],
    );
  }
  if (facts.ruleCount === 0) {
    throw new ConflictError(
      'campaign_has_no_rules',
      'A campaign needs at least one rule to be activated; import or add rules first.',
      [{ path: '$.rules', message: 'no rules' }],
    );
  }
}

function withArticle(status: CampaignStatus): string {
  return `${/^[aeiou]/.test(status) ? 'an' : 'a'} ${status}`;
}
