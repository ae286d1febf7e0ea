import { Column, Entity, EntityManager, PrimaryColumn } from 'typeorm';
import { UserError } from '../../common/errors';
import { timeOrderedUuid } from '../../common/ordered-ids';
import { MultiRowInsert } from '../../database/multi-row-insert';
import type { OutgoingAction } from '../delivery/delivery.types';
import type { CampaignView } from './campaign.entity';
import type { CampaignStatus } from './campaign-lifecycle';
import type { CampaignRunEntity, RunCampaign } from './campaign-run.entity';
import type { Arbitration, FrequencyCap } from './campaign-validation';
import type { NewContact } from './contact-history';
import type { DecisionStatus } from './decision-core';
import type { CapCheck } from './frequency-caps';
import type { ActionType, CampaignRule } from './rules';
import type { DecidedCustomer, DecisionContext } from './simulation.service';
import type { TopContribution } from '../../plugin-sdk/explain';

export type DecisionSource = 'run' | 'realtime';

/**
 * What a campaign decided for one customer and one action slot, and why. Written once,
 * never changed: the record behind "why did this customer get this email?".
 */
@Entity({ name: 'decisions' })
export class DecisionEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  /** The campaign run; null for a real-time decision. */
  @Column({ name: 'run_id', type: 'varchar', length: 36, nullable: true })
  runId: string | null;

  @Column({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId: string;

  @Column({ name: 'campaign_revision', type: 'integer' })
  campaignRevision: number;

  @Column({ name: 'customer_id', type: 'varchar' })
  customerId: string;

  /** The action type, or `none`; unique per customer within a run. */
  @Column({ name: 'slot', type: 'varchar', length: 16 })
  slot: string;

  @Column({ name: 'source', type: 'varchar', length: 16 })
  source: DecisionSource;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: DecisionStatus;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  @Column({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId: string;

  @Column({ name: 'score', type: 'real' })
  score: number;

  @Column({ name: 'decile', type: 'integer' })
  decile: number;

  @Column({ name: 'rule', type: 'varchar', length: 100, nullable: true })
  rule: string | null;

  @Column({ name: 'rule_priority', type: 'integer', nullable: true })
  rulePriority: number | null;

  /**
   * The action delivered (status `action`), or the one that would have been (`holdout`) or
   * that a frequency cap held back (`capped`); null when there was none.
   */
  @Column({ name: 'action', type: 'varchar', length: 16, nullable: true })
  action: ActionType | null;

  @Column({ name: 'params', type: 'simple-json', nullable: true })
  params: Record<string, unknown> | null;

  @Column({ name: 'holdout', type: 'boolean' })
  holdout: boolean;

  @Column({ name: 'reason', type: 'text' })
  reason: string;

  /** The frequency caps checked for the action, with their counts. */
  @Column({ name: 'caps', type: 'simple-json', nullable: true })
  caps: CapCheck[] | null;

  /**
   * The model's side of "why": the features that moved this customer's score most, for an
   * action decided with a plugin that explains its predictions; null otherwise.
   */
  @Column({ name: 'explanation', type: 'simple-json', nullable: true })
  explanation: TopContribution[] | null;

  /** ISO 8601. */
  @Column({ name: 'decided_at', type: 'varchar', length: 24 })
  decidedAt: string;
}

/** A decision as the API and the CLI show it. */
export interface DecisionView {
  readonly id: string;
  readonly runId: string | null;
  readonly campaignId: string;
  readonly campaignRevision: number;
  readonly customerId: string;
  readonly source: DecisionSource;
  readonly status: DecisionStatus;
  readonly slot: string;
  readonly action: ActionType | null;
  readonly params: Record<string, unknown> | null;
  readonly rule: string | null;
  readonly rulePriority: number | null;
  readonly score: number;
  readonly decile: number;
  readonly model: string;
  readonly modelVersion: number;
  readonly modelVersionId: string;
  readonly holdout: boolean;
  readonly reason: string;
  readonly caps: CapCheck[] | null;
  readonly explanation: TopContribution[] | null;
  readonly decidedAt: string;
}

export function decisionView(entity: DecisionEntity): DecisionView {
  return {
    id: entity.id,
    runId: entity.runId,
    campaignId: entity.campaignId,
    campaignRevision: entity.campaignRevision,
    customerId: entity.customerId,
    source: entity.source,
    status: entity.status,
    slot: entity.slot,
    action: entity.action,
    params: entity.params,
    rule: entity.rule,
    rulePriority: entity.rulePriority,
    score: entity.score,
    decile: entity.decile,
    model: entity.modelName,
    modelVersion: entity.modelVersion,
    modelVersionId: entity.modelVersionId,
    holdout: Boolean(entity.holdout),
    reason: entity.reason,
    caps: entity.caps,
    explanation: entity.explanation ?? null,
    decidedAt: entity.decidedAt,
  };
}

const DECISION_COLUMNS = [
  'run_id',
  'campaign_id',
  'campaign_revision',
  'source',
  'model_name',
  'model_version',
  'model_version_id',
  'decided_at',
  'slot',
  'status',
  'rule',
  'rule_priority',
  'action',
  'params',
  'holdout',
  'id',
  'customer_id',
  'score',
  'decile',
  'reason',
  'caps',
  'explanation',
] as const;

/**
 * Stores decisions through the caller's transaction, in multi-row statements. What rows share
 * (run, campaign, model and time; a rule's name and params; the usual caps) is bound once a
 * statement and referred to from each row; see `MultiRowInsert`.
 */
export async function insertDecisions(
  manager: EntityManager,
  decisions: readonly DecisionEntity[],
): Promise<void> {
  await decisionInserts(decisions).execute(manager);
}

/** The statements that store `decisions` (see `insertDecisions`), to run later. */
export function decisionInserts(decisions: readonly DecisionEntity[]): MultiRowInsert {
  const insert = new MultiRowInsert('decisions', DECISION_COLUMNS);
  const json = new JsonText();
  // Rows of one batch share their first eight columns; the key changes with them.
  let previous: DecisionEntity | null = null;
  let batch = '';
  for (const d of decisions) {
    if (previous === null || !sameBatch(previous, d)) {
      batch = JSON.stringify([
        d.runId,
        d.campaignId,
        d.campaignRevision,
        d.source,
        d.modelName,
        d.modelVersion,
        d.modelVersionId,
        d.decidedAt,
      ]);
    }
    previous = d;
    insert.begin();
    const shared = insert.fragment(
      batch,
      () =>
        `${insert.shared(d.runId)}, ${insert.shared(d.campaignId)}, ` +
        `${insert.value(d.campaignRevision)}, ${insert.value(d.source)}, ` +
        `${insert.shared(d.modelName)}, ${insert.value(d.modelVersion)}, ` +
        `${insert.shared(d.modelVersionId)}, ${insert.shared(d.decidedAt)}`,
    );
    insert.add(
      `(${shared}, ${insert.value(d.slot)}, ${insert.value(d.status)}, ` +
        `${insert.shared(d.rule)}, ${insert.value(d.rulePriority)}, ${insert.value(d.action)}, ` +
        `${insert.shared(json.of(d.params))}, ${insert.value(d.holdout)}, ` +
        `${insert.value(d.id)}, ${insert.value(d.customerId)}, ${insert.value(d.score)}, ` +
        `${insert.value(d.decile)}, ${insert.bind(d.reason)}, ` +
        `${insert.shared(json.ofList(d.caps))}, ` +
        `${insert.bind(d.explanation ? JSON.stringify(d.explanation) : null)})`,
    );
  }

  return insert;
}

function sameBatch(a: DecisionEntity, b: DecisionEntity): boolean {
  return (
    a.runId === b.runId &&
    a.campaignId === b.campaignId &&
    a.campaignRevision === b.campaignRevision &&
    a.source === b.source &&
    a.modelName === b.modelName &&
    a.modelVersion === b.modelVersion &&
    a.modelVersionId === b.modelVersionId &&
    a.decidedAt === b.decidedAt
  );
}

/**
 * JSON of objects that many rows share (a rule's params, the checks of a cap): each object is
 * serialised once. Keyed by the object itself, so it holds only while the objects are not
 * changed, as is the case for the records of one batch.
 */
class JsonText {
  private readonly texts = new Map<object, string>();
  private readonly lists = new Map<object, string>();

  of(value: object | null): string | null {
    if (value === null) return null;
    let text = this.texts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      this.texts.set(value, text);
    }

    return text;
  }

  /** `JSON.stringify(items)`, from the JSON of each item. */
  ofList(items: readonly object[] | null): string | null {
    if (items === null) return null;
    if (items.length !== 1) return `[${items.map((item) => this.of(item)).join(',')}]`;
    let text = this.lists.get(items[0]);
    if (text === undefined) {
      text = `[${this.of(items[0])}]`;
      this.lists.set(items[0], text);
    }

    return text;
  }
}

export interface PageArgs {
  readonly limit?: number;
  readonly offset?: number;
  readonly status?: DecisionStatus;
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export const MAX_PAGE_SIZE = 1000;

/** "Why did this customer get this email?" */
export interface DecisionExplanation {
  readonly decision: DecisionView;
  readonly campaign: {
    readonly id: string;
    readonly name: string;
    readonly status: CampaignStatus;
    readonly revision: number;
  };
  /** The campaign settings the decision applied (a run's, as they were at its start). */
  readonly applied: {
    readonly revision: number;
    readonly holdoutShare: number;
    readonly frequencyCaps: readonly FrequencyCap[];
    readonly arbitration: Arbitration;
  } | null;
  readonly run: { readonly id: string; readonly runKey: string; readonly status: string } | null;
  /** The rule that fired (or would have), with its conditions; null without one. */
  readonly rule: {
    readonly name: string;
    readonly priority: number;
    readonly conditions: CampaignRule['conditions'];
    readonly event: CampaignRule['event'];
  } | null;
  /** Set when the rules as applied are no longer known. */
  readonly note: string | null;
}

/** What deciding a batch (or one real-time request) stores. */
/** What deciding a batch (or one real-time request) stores. */
export interface DecisionRecords {
  readonly decisions: DecisionEntity[];
  readonly contacts: NewContact[];
  readonly actions: OutgoingAction[];
}

/** The rows of decided customers: a decision per slot; a contact and an action per delivery. */
export function decisionRecords(args: {
  readonly decided: readonly DecidedCustomer[];
  readonly model: DecisionContext['model'];
  readonly campaign: { readonly id: string; readonly revision: number };
  readonly runId: string | null;
  readonly source: DecisionSource;
  readonly now: number;
  /** Top feature contributions by customer id, for the customers given an action. */
  readonly explanations?: ReadonlyMap<string, TopContribution[]>;
}): DecisionRecords {
  const { model, campaign, runId, source } = args;
  const decidedAt = new Date(args.now).toISOString();
  const records: DecisionRecords = { decisions: [], contacts: [], actions: [] };
  for (const { customer, decision } of args.decided) {
    for (const slot of decision.slots) {
      // Time-ordered: a run's decisions (and their contacts) go to the end of the id index.
      const id = timeOrderedUuid(args.now);
      records.decisions.push({
        id,
        runId,
        campaignId: campaign.id,
        campaignRevision: campaign.revision,
        customerId: customer.id,
        slot: slot.slot,
        source,
        status: slot.status,
        modelName: model.name,
        modelVersion: model.version,
        modelVersionId: model.versionId,
        score: customer.score,
        decile: customer.decile,
        rule: slot.rule,
        rulePriority: slot.priority,
        action: slot.action,
        // The rule's own params object, never changed: its JSON is then written once a batch.
        params: slot.params,
        holdout: decision.holdout,
        reason: slot.reason,
        caps: slot.caps === null ? null : [...slot.caps],
        explanation:
          slot.status === 'action' ? (args.explanations?.get(customer.id) ?? null) : null,
        decidedAt,
      });
      if (slot.status !== 'action' || slot.action === null) {
        continue;
      }
      records.contacts.push({
        decisionId: id,
        customerId: customer.id,
        action: slot.action,
        campaignId: campaign.id,
        at: decidedAt,
      });
      records.actions.push({
        runId: runId ?? REALTIME_RUN_ID,
        campaignId: campaign.id,
        decisionId: id,
        customerId: customer.id,
        type: slot.action,
        params: slot.params ?? {},
        score: customer.score,
        modelVersion: model.versionId,
        rule: slot.rule,
        // Delivery sends none of them unless an endpoint lists personal ones.
        attributes: customer.attributes,
      });
    }
  }

  return records;
}

/** The run id real-time deliveries carry (their decisions have no run). */
export const REALTIME_RUN_ID = 'realtime';

/** The explanation of a decision, from the campaign now and the run that made it (if any). */
export function explanationOf(
  decision: DecisionView,
  campaign: CampaignView,
  run: Pick<CampaignRunEntity, 'id' | 'runKey' | 'status' | 'campaign'> | null,
): DecisionExplanation {
  // A run keeps the campaign as it applied it; a real-time decision only has the revision.
  const applied: RunCampaign | null = run
    ? run.campaign
    : decision.campaignRevision === campaign.revision
      ? campaign
      : null;
  const rule = applied?.rules.find((r) => r.name === decision.rule) ?? null;

  return {
    decision,
    campaign: {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      revision: campaign.revision,
    },
    applied: applied && {
      revision: decision.campaignRevision,
      holdoutShare: applied.holdoutShare,
      frequencyCaps: applied.frequencyCaps,
      arbitration: applied.arbitration,
    },
    run: run && { id: run.id, runKey: run.runKey, status: run.status },
    rule: rule && {
      name: rule.name,
      priority: rule.priority ?? 1,
      conditions: rule.conditions,
      event: rule.event,
    },
    note:
      applied === null
        ? `The campaign's rules changed since (revision ${decision.campaignRevision} then, ` +
          `${campaign.revision} now); the reason records what the rule checked.`
        : null,
  };
}

/** @throws UserError `page_limit_invalid`. */
export function checkLimit(limit: number | undefined): number {
  const value = limit ?? 100;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new UserError(
      'page_limit_invalid',
      `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${limit}.`,
      400,
      [{ path: '$.limit', message: `an integer from 1 to ${MAX_PAGE_SIZE}` }],
    );
  }

  return value;
}
