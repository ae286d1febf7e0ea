import { Column, Entity, EntityManager, PrimaryColumn } from 'typeorm';
import { UserError } from '../../common/errors';
import { timeOrderedUuid } from '../../common/ordered-ids';
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
  'id',
  'run_id',
  'campaign_id',
  'campaign_revision',
  'customer_id',
  'slot',
  'source',
  'status',
  'model_name',
  'model_version',
  'model_version_id',
  'score',
  'decile',
  'rule',
  'rule_priority',
  'action',
  'params',
  'holdout',
  'reason',
  'caps',
  'explanation',
  'decided_at',
] as const;

/**
 * As many rows a statement as stay within 30,000 parameters (SQLite allows 32,766), whatever
 * the number of columns: 1,363 rows at 22. Fewer, larger statements: each one waits for a
 * trip to SQLite's thread and back.
 */
const DECISIONS_PER_STATEMENT = Math.floor(30_000 / DECISION_COLUMNS.length);

/** Stores decisions through the caller's transaction, in multi-row statements. */
export async function insertDecisions(
  manager: EntityManager,
  decisions: readonly DecisionEntity[],
): Promise<void> {
  const row = `(${DECISION_COLUMNS.map(() => '?').join(', ')})`;
  for (let start = 0; start < decisions.length; start += DECISIONS_PER_STATEMENT) {
    const chunk = decisions.slice(start, start + DECISIONS_PER_STATEMENT);
    await manager.query(
      `INSERT INTO "decisions" (${DECISION_COLUMNS.map((c) => `"${c}"`).join(', ')})
       VALUES ${chunk.map(() => row).join(', ')}`,
      chunk.flatMap((d) => [
        d.id,
        d.runId,
        d.campaignId,
        d.campaignRevision,
        d.customerId,
        d.slot,
        d.source,
        d.status,
        d.modelName,
        d.modelVersion,
        d.modelVersionId,
        d.score,
        d.decile,
        d.rule,
        d.rulePriority,
        d.action,
        d.params === null ? null : JSON.stringify(d.params),
        d.holdout ? 1 : 0,
        d.reason,
        d.caps === null ? null : JSON.stringify(d.caps),
        d.explanation === null || d.explanation === undefined
          ? null
          : JSON.stringify(d.explanation),
        d.decidedAt,
      ]),
    );
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
        params: slot.params === null ? null : { ...slot.params },
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
