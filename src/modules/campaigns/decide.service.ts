import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { DeliveryService } from '../delivery/delivery.service';
import { ScoringService } from '../scoring/scoring.service';
import type { RealTimeScore } from '../scoring/scoring-views';
import type { CampaignView } from './campaign.entity';
import { CampaignsService } from './campaigns.service';
import { insertContacts, loadContacts } from './contact-history';
import {
  CampaignPolicy,
  contactsOf,
  CustomerDecision,
  decideCustomer,
  DecisionSlot,
  DecisionStatus,
  inAudience,
  prepareCampaign,
} from './decision-core';
import { decisionRecords, insertDecisions } from './decision.entity';
import type { ContactEvent } from './frequency-caps';
import type { ActionType } from './rules';
import { SuppressionsService } from './suppressions.service';

export interface DecideArgs {
  /** A stored customer. */
  readonly customerId?: string;
  /** Or a customer described by the request: attributes, and an id to decide them as. */
  readonly customer?: { readonly id?: string; readonly attributes?: unknown };
  /** Decide and answer, but record and deliver nothing. */
  readonly dryRun?: boolean;
}

/** One slot of a real-time decision; `id` is null when nothing was recorded. */
export interface DecidedSlotView {
  readonly id: string | null;
  readonly slot: string;
  readonly status: DecisionStatus;
  readonly action: ActionType | null;
  readonly params: Readonly<Record<string, unknown>> | null;
  readonly rule: string | null;
  readonly reason: string;
}

/** What one active campaign decided for the customer. */
export interface CampaignDecisionView {
  readonly campaignId: string;
  readonly campaignName: string;
  readonly status: DecisionStatus | 'out_of_audience';
  /** The first action delivered, with its rule; null without one. */
  readonly action: ActionType | null;
  readonly params: Readonly<Record<string, unknown>> | null;
  readonly rule: string | null;
  readonly reason: string;
  readonly holdout: boolean;
  readonly score: number | null;
  readonly decile: number | null;
  readonly model: { readonly name: string; readonly version: number; readonly versionId: string };
  readonly decisions: DecidedSlotView[];
}

export interface DecideView {
  readonly customerId: string | null;
  readonly dryRun: boolean;
  /** Whether decisions, contacts and deliveries were stored (never for dry runs or customers without id). */
  readonly recorded: boolean;
  readonly decidedAt: string;
  readonly campaigns: CampaignDecisionView[];
}

interface Entrant {
  readonly campaign: CampaignView;
  readonly policy: CampaignPolicy;
  readonly score: RealTimeScore | null;
}

/**
 * Real-time decisions: one customer against every active campaign, with the same decision
 * core, holdout, caps and suppression as a run. Campaigns decide in the order they were
 * created, and an action chosen by one counts toward the caps of the next.
 */
@Injectable()
export class DecideService {
  private readonly logger = new Logger(DecideService.name);
  private readonly policies = new Map<string, CampaignPolicy>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly scoring: ScoringService,
    private readonly suppressions: SuppressionsService,
    private readonly delivery: DeliveryService,
  ) {}

  /**
   * @throws UserError `decide_request_invalid`, `customer_attributes_invalid`;
   *   NotFoundError `customer_not_found`; ConflictError `model_no_champion`.
   */
  async decide(args: DecideArgs, at: Date = new Date()): Promise<DecideView> {
    const customer = await this.resolveCustomer(args);
    const dryRun = args.dryRun === true;
    const record = !dryRun && customer.id !== null;
    const active = await this.campaigns.listActive(at);
    const entrants = await this.score(active, customer);

    const now = at.getTime();
    const decide = (manager: EntityManager) =>
      this.decideAll(manager, entrants, customer, now, record);
    const campaigns = record
      ? await inTransaction(this.dataSource, decide)
      : await decide(this.dataSource.manager);
    this.logger.debug(
      `A customer decided for ${campaigns.length} active ` +
        `campaigns${record ? '' : ', nothing recorded'}`,
    );

    return {
      customerId: customer.id,
      dryRun,
      recorded: record,
      decidedAt: at.toISOString(),
      campaigns,
    };
  }

  private async resolveCustomer(
    args: DecideArgs,
  ): Promise<{ id: string | null; key: string; attributes: CustomerAttributes; stored: boolean }> {
    const byId = typeof args.customerId === 'string' && args.customerId !== '';
    if (byId === (args.customer !== undefined && args.customer !== null)) {
      throw new UserError(
        'decide_request_invalid',
        'Send either "customerId" (a stored customer) or "customer" ({ id?, attributes }), ' +
          'not both and not neither.',
        400,
        [{ path: byId ? '$.customerId' : '$.customer', message: 'give exactly one of the two' }],
      );
    }
    if (byId) {
      const id = args.customerId as string;

      return { id, key: id, attributes: await this.storedAttributes(id), stored: true };
    }

    const given = args.customer as { id?: unknown; attributes?: unknown };
    const attributes = given.attributes;
    if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
      throw new UserError(
        'decide_request_invalid',
        '$.customer.attributes must be an object of attributes by column name.',
        400,
        [{ path: '$.customer.attributes', message: 'must be an object' }],
      );
    }
    const id = typeof given.id === 'string' && given.id !== '' ? given.id : null;

    return {
      id,
      key: id ?? anonymousKey(attributes as CustomerAttributes),
      attributes: attributes as CustomerAttributes,
      stored: false,
    };
  }

  /** The campaigns whose audience includes the customer get a score from their model. */
  private async score(
    active: readonly CampaignView[],
    customer: { id: string | null; attributes: CustomerAttributes; stored: boolean },
  ): Promise<Entrant[]> {
    const byModel = new Map<string, Promise<RealTimeScore>>();
    const entrants: Entrant[] = [];
    for (const campaign of active) {
      const policy = this.policyOf(campaign);
      if (!inAudience(policy, customer.attributes)) {
        entrants.push({ campaign, policy, score: null });
        continue;
      }
      let score = byModel.get(campaign.modelName);
      if (!score) {
        score = this.scoring.scoreCustomer(
          customer.stored
            ? { modelName: campaign.modelName, customerId: customer.id as string }
            : { modelName: campaign.modelName, customer: customer.attributes },
        );
        byModel.set(campaign.modelName, score);
      }
      entrants.push({ campaign, policy, score: await score });
    }

    return entrants;
  }

  private async decideAll(
    manager: EntityManager,
    entrants: readonly Entrant[],
    customer: { id: string | null; key: string; attributes: CustomerAttributes },
    now: number,
    record: boolean,
  ): Promise<CampaignDecisionView[]> {
    const lookback = Math.max(0, ...entrants.map((e) => e.policy.lookbackDays));
    const contacts: ContactEvent[] =
      customer.id === null
        ? []
        : ((await loadContacts(manager, [customer.id], now, lookback)).get(customer.id) ?? []);
    const suppression =
      customer.id === null ? null : await this.suppressions.isSuppressed(customer.id, manager);

    const views: CampaignDecisionView[] = [];
    for (const { campaign, policy, score } of entrants) {
      if (score === null) {
        views.push(outOfAudience(campaign));
        continue;
      }
      const decision = decideCustomer(
        policy,
        {
          key: customer.key,
          attributes: customer.attributes,
          score: score.probability,
          decile: score.decile,
          contacts,
          suppression,
        },
        now,
      );
      contacts.push(...contactsOf(decision, now));
      const ids = record
        ? await this.store(manager, campaign, score, customer.id as string, decision, now)
        : decision.slots.map(() => null);
      views.push(campaignDecision(campaign, score, decision, ids));
    }

    return views;
  }

  /** Stores the decision, its contacts and its deliveries; returns the decision ids. */
  private async store(
    manager: EntityManager,
    campaign: CampaignView,
    score: RealTimeScore,
    customerId: string,
    decision: CustomerDecision,
    now: number,
  ): Promise<string[]> {
    const records = decisionRecords({
      decided: [
        {
          customer: {
            id: customerId,
            attributes: {},
            score: score.probability,
            decile: score.decile,
          },
          decision,
        },
      ],
      model: { name: score.model, version: score.version, versionId: score.versionId },
      campaign: { id: campaign.id, revision: campaign.revision },
      runId: null,
      source: 'realtime',
      now,
    });
    await insertDecisions(manager, records.decisions);
    await insertContacts(manager, records.contacts);
    await this.delivery.enqueue(manager, records.actions);

    return records.decisions.map((d) => d.id);
  }

  /** The compiled campaign, kept while its definition is unchanged. */
  private policyOf(campaign: CampaignView): CampaignPolicy {
    const key = `${campaign.id}:${campaign.revision}:${campaign.updatedAt}`;
    let policy = this.policies.get(key);
    if (!policy) {
      if (this.policies.size >= 500) this.policies.clear();
      policy = prepareCampaign(campaign);
      this.policies.set(key, policy);
    }

    return policy;
  }

  private async storedAttributes(customerId: string): Promise<CustomerAttributes> {
    const [row]: { attributes: string }[] = await this.dataSource.query(
      'SELECT "attributes" FROM "customers" WHERE "id" = ?',
      [customerId],
    );
    if (!row) {
      throw new NotFoundError('customer', customerId);
    }

    return JSON.parse(row.attributes) as CustomerAttributes;
  }
}

function outOfAudience(campaign: CampaignView): CampaignDecisionView {
  return {
    campaignId: campaign.id,
    campaignName: campaign.name,
    status: 'out_of_audience',
    action: null,
    params: null,
    rule: null,
    reason: "outside the campaign's audience",
    holdout: false,
    score: null,
    decile: null,
    model: { name: campaign.modelName, version: 0, versionId: '' },
    decisions: [],
  };
}

function campaignDecision(
  campaign: CampaignView,
  score: RealTimeScore,
  decision: CustomerDecision,
  ids: (string | null)[],
): CampaignDecisionView {
  const lead: DecisionSlot =
    decision.slots.find((slot) => slot.status === 'action') ?? decision.slots[0];
  const delivered = lead.status === 'action';

  return {
    campaignId: campaign.id,
    campaignName: campaign.name,
    status: decision.status,
    action: delivered ? lead.action : null,
    params: delivered ? lead.params : null,
    rule: lead.rule,
    reason: lead.reason,
    holdout: decision.holdout,
    score: score.probability,
    decile: score.decile,
    model: { name: score.model, version: score.version, versionId: score.versionId },
    decisions: decision.slots.map((slot, i) => ({
      id: ids[i],
      slot: slot.slot,
      status: slot.status,
      action: slot.action,
      params: slot.params,
      rule: slot.rule,
      reason: slot.reason,
    })),
  };
}

/** A stable key for a customer without id, so the same attributes get the same holdout draw. */
function anonymousKey(attributes: CustomerAttributes): string {
  const canonical = JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );

  return `anonymous:${createHash('sha256').update(canonical).digest('hex')}`;
}
