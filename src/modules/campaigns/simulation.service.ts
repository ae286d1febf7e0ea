import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, UserError } from '../../common/errors';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import { DatasetsService } from '../datasets/datasets.service';
import type { ModelScorer } from '../models/scorer';
import { ModelsService } from '../models/models.service';
import { inputColumns } from '../scoring/customer-input';
import { decileCutPoints, decilesOf } from '../scoring/deciles';
import type { CampaignView } from './campaign.entity';
import type { CampaignStatus } from './campaign-lifecycle';
import { CampaignsService } from './campaigns.service';
import { loadContacts } from './contact-history';
import {
  CampaignPolicy,
  CampaignPolicySource,
  countDecision,
  countOutOfAudience,
  CustomerDecision,
  DecisionCounts,
  decideCustomer,
  DecisionSlot,
  emptyCounts,
  inAudience,
  prepareCampaign,
} from './decision-core';
import type { ContactEvent } from './frequency-caps';
import { holdoutDraw } from './holdout';
import type { Suppression } from './suppression.entity';
import { SuppressionsService } from './suppressions.service';

export const DEFAULT_RUN_BATCH_SIZE = 2000;
export const MAX_RUN_BATCH_SIZE = 10_000;
export const DEFAULT_SAMPLE_SIZE = 20;
export const MAX_SAMPLE_SIZE = 200;

/** A campaign ready to decide a batch: the compiled policy and the model version's scorer. */
export interface DecisionContext {
  readonly policy: CampaignPolicy;
  readonly scorer: ModelScorer;
  readonly cuts: readonly number[];
  readonly model: { readonly name: string; readonly version: number; readonly versionId: string };
  /** The attribute columns the model's pipeline reads. */
  readonly inputs: readonly string[];
}

/**
 * A customer holding fewer than half of the model's inputs (say, one imported from another
 * file with other columns) would get a made-up score from imputed values; such customers are
 * outside every campaign of that model and counted with those out of its audience.
 */
export function hasModelInputs(attributes: CustomerAttributes, inputs: readonly string[]): boolean {
  let present = 0;
  for (const name of inputs) {
    const value = attributes[name];
    if (value !== null && value !== undefined && value !== '') present += 1;
  }

  return inputs.length === 0 || present * 2 >= inputs.length;
}

export interface ScoredCustomer {
  readonly id: string;
  readonly attributes: CustomerAttributes;
  readonly score: number;
  readonly decile: number;
}

export interface ScoredBatch {
  readonly customers: readonly ScoredCustomer[];
  /** Customers of the batch read but outside the audience (not scored). */
  readonly outOfAudience: number;
  /** The last customer id of the batch, in or out of the audience. */
  readonly lastCustomerId: string;
}

/** The contact history and suppressions of a batch's customers, as read at one time. */
export interface BatchHistory {
  readonly contacts: ReadonlyMap<string, ContactEvent[]>;
  readonly suppressed: ReadonlyMap<string, Suppression>;
}

export interface DecidedCustomer {
  readonly customer: ScoredCustomer;
  readonly decision: CustomerDecision;
}

/** One customer of a simulation's sample. */
export interface SampledCustomer {
  readonly customerId: string;
  readonly status: CustomerDecision['status'];
  readonly holdout: boolean;
  readonly score: number;
  readonly decile: number;
  readonly decisions: Pick<
    DecisionSlot,
    'slot' | 'status' | 'rule' | 'action' | 'params' | 'reason'
  >[];
}

export interface SimulationView {
  readonly campaignId: string;
  readonly campaignRevision: number;
  readonly campaignStatus: CampaignStatus;
  readonly model: DecisionContext['model'];
  readonly simulatedAt: string;
  readonly seconds: number;
  readonly counts: DecisionCounts;
  /** Customers a rule fired for, spread over the whole customer base. */
  readonly sample: SampledCustomer[];
}

export interface SimulateArgs {
  readonly batchSize?: number;
  readonly sampleSize?: number;
}

const SIMULATED_STATUSES: readonly CampaignStatus[] = ['draft', 'active', 'paused'];

/**
 * What a run of a campaign would do now, computed exactly as a run computes it (the same
 * batches, scorer, history and decision core) with nothing written. Runs use the batch
 * steps here too, so a simulation and a run over the same data agree on every count.
 */
@Injectable()
export class SimulationService {
  private readonly logger = new Logger(SimulationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly suppressions: SuppressionsService,
  ) {}

  /**
   * @throws NotFoundError `campaign_not_found`; ConflictError `campaign_archived`,
   *   `model_no_champion`; UserError `run_batch_size_invalid`, `sample_size_invalid`.
   */
  async simulate(campaignId: string, args: SimulateArgs = {}): Promise<SimulationView> {
    const batchSize = checkBatchSize(args.batchSize);
    const sampleSize = checkSampleSize(args.sampleSize);
    const campaign = await this.campaigns.get(campaignId);
    if (!SIMULATED_STATUSES.includes(campaign.status)) {
      throw new ConflictError(
        'campaign_archived',
        `Campaign ${campaign.id} is archived; only draft, active and paused campaigns simulate.`,
      );
    }
    const context = await this.prepare(campaign);

    const started = Date.now();
    const counts = emptyCounts(context.policy.ruleNames);
    const sample = new SampleKeeper(campaign.id, sampleSize);
    for await (const customers of this.datasets.iterateCustomers({ batchSize })) {
      const scored = await this.scoreBatch(context, customers);
      const decided = await this.decideBatch(context, scored, this.dataSource.manager, Date.now());
      countOutOfAudience(counts, scored.outOfAudience);
      for (const entry of decided) {
        countDecision(counts, entry.decision);
        sample.offer(entry);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    this.logger.log(
      `Campaign ${campaign.id} simulated: ${counts.customers} customers, ${counts.actions} ` +
        `actions in ${seconds.toFixed(1)} s`,
    );

    return {
      campaignId: campaign.id,
      campaignRevision: campaign.revision,
      campaignStatus: campaign.status,
      model: context.model,
      simulatedAt: new Date(started).toISOString(),
      seconds,
      counts,
      sample: sample.items(),
    };
  }

  /**
   * Compiles the campaign and loads the scorer of its model: the champion, or `version`
   * (a resumed run keeps the version it started with).
   *
   * @throws ConflictError `model_no_champion`, `model_version_deciles_invalid`.
   */
  async prepare(
    campaign: CampaignPolicySource & Pick<CampaignView, 'modelName'>,
    version?: number,
  ): Promise<DecisionContext> {
    const scorer = await this.models.loadScorer(campaign.modelName, version);
    const stored = await this.models.getVersion(scorer.modelName, scorer.version);
    const test = stored.metrics.test as { deciles?: unknown } | undefined;
    const cuts = decileCutPoints(
      test?.deciles,
      `model "${scorer.modelName}" version ${scorer.version}`,
    );

    return {
      policy: prepareCampaign(campaign),
      scorer,
      cuts,
      model: { name: scorer.modelName, version: scorer.version, versionId: scorer.versionId },
      inputs: inputColumns(stored.preprocessing).map((column) => column.name),
    };
  }

  /** Keeps the batch's customers of the audience and scores them (outside any transaction). */
  async scoreBatch(
    context: DecisionContext,
    customers: readonly { id: string; attributes: CustomerAttributes }[],
  ): Promise<ScoredBatch> {
    const chosen = customers.filter(
      (c) =>
        hasModelInputs(c.attributes, context.inputs) && inAudience(context.policy, c.attributes),
    );
    const probabilities = await context.scorer.score(chosen.map((c) => c.attributes));
    const deciles = decilesOf(probabilities, context.cuts);

    return {
      customers: chosen.map((c, i) => ({
        id: c.id,
        attributes: c.attributes,
        score: probabilities[i],
        decile: deciles[i],
      })),
      outOfAudience: customers.length - chosen.length,
      lastCustomerId: customers[customers.length - 1].id,
    };
  }

  /**
   * Decides a scored batch at `now`: the contacts and suppressions of its customers are read
   * through `manager` (a run's transaction, so the caps see every committed contact).
   */
  async decideBatch(
    context: DecisionContext,
    batch: ScoredBatch,
    manager: EntityManager,
    now: number,
  ): Promise<DecidedCustomer[]> {
    return this.decideHistory(
      context,
      batch,
      await this.readHistory(context, batch, manager, now),
      now,
    );
  }

  /** What deciding a batch at `now` reads: its customers' contacts and suppressions. */
  async readHistory(
    context: DecisionContext,
    batch: ScoredBatch,
    manager: EntityManager,
    now: number,
  ): Promise<BatchHistory> {
    const ids = batch.customers.map((c) => c.id);
    const [contacts, suppressed] = await Promise.all([
      loadContacts(manager, ids, now, context.policy.lookbackDays),
      this.suppressions.lookup(ids, manager),
    ]);

    return { contacts, suppressed };
  }

  /** Decides a scored batch at `now` on what `readHistory` read at that time. */
  decideHistory(
    context: DecisionContext,
    batch: ScoredBatch,
    history: BatchHistory,
    now: number,
  ): DecidedCustomer[] {
    const { contacts, suppressed } = history;

    return batch.customers.map((customer) => ({
      customer,
      decision: decideCustomer(
        context.policy,
        {
          key: customer.id,
          attributes: customer.attributes,
          score: customer.score,
          decile: customer.decile,
          contacts: contacts.get(customer.id) ?? [],
          suppression: suppressed.get(customer.id) ?? null,
        },
        now,
      ),
    }));
  }
}

/**
 * A sample spread over the whole customer base and the same in every simulation: the
 * customers with a fired rule whose hash draw is smallest.
 */
class SampleKeeper {
  private readonly kept: { draw: number; item: SampledCustomer }[] = [];

  constructor(
    private readonly campaignId: string,
    private readonly size: number,
  ) {}

  offer({ customer, decision }: DecidedCustomer): void {
    if (this.size === 0 || decision.slots.every((slot) => slot.rule === null)) {
      return;
    }
    const draw = holdoutDraw(`sample:${this.campaignId}`, customer.id);
    if (this.kept.length === this.size && draw >= this.kept[this.kept.length - 1].draw) {
      return;
    }

    const item: SampledCustomer = {
      customerId: customer.id,
      status: decision.status,
      holdout: decision.holdout,
      score: customer.score,
      decile: customer.decile,
      decisions: decision.slots.map(({ slot, status, rule, action, params, reason }) => ({
        slot,
        status,
        rule,
        action,
        params,
        reason,
      })),
    };
    const at = this.kept.findIndex((k) => k.draw > draw);
    this.kept.splice(at === -1 ? this.kept.length : at, 0, { draw, item });
    if (this.kept.length > this.size) {
      this.kept.pop();
    }
  }

  /** In customer id order. */
  items(): SampledCustomer[] {
    return this.kept
      .map((k) => k.item)
      .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  }
}

/** @throws UserError `run_batch_size_invalid`. */
export function checkBatchSize(batchSize: number | undefined): number {
  const size = batchSize ?? DEFAULT_RUN_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_RUN_BATCH_SIZE) {
    throw new UserError(
      'run_batch_size_invalid',
      `$.batchSize must be a whole number from 1 to ${MAX_RUN_BATCH_SIZE}; got ${batchSize}.`,
      400,
      [{ path: '$.batchSize', message: `an integer from 1 to ${MAX_RUN_BATCH_SIZE}` }],
    );
  }

  return size;
}

function checkSampleSize(sampleSize: number | undefined): number {
  const size = sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_SAMPLE_SIZE) {
    throw new UserError(
      'sample_size_invalid',
      `$.sampleSize must be a whole number from 0 to ${MAX_SAMPLE_SIZE}; got ${sampleSize}.`,
      400,
      [{ path: '$.sampleSize', message: `an integer from 0 to ${MAX_SAMPLE_SIZE}` }],
    );
  }

  return size;
}
