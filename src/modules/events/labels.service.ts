import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserError } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { CampaignsService } from '../campaigns/campaigns.service';
import type { CapCheck } from '../campaigns/frequency-caps';
import type { CustomerAttributes, DatasetSchema, DatasetView } from '../datasets/dataset-schema';
import { DatasetsService } from '../datasets/datasets.service';
import { EventsClock } from './events-clock';
import { DAY_MS, exposures, LabelDecision, labelDecisions, LabelledDecision } from './labels';
import { liftSummary, LiftSummary } from './lift';
import { isOutcomeType, OUTCOME_TYPES, OutcomeType } from './outcome-types';

export interface LabelOptions {
  /** The outcome type that makes a label 1; default `BULLSEYE_LABEL_OUTCOME` (`converted`). */
  readonly outcome?: string;
  /** Default `BULLSEYE_LABEL_WINDOW_DAYS` (14). */
  readonly windowDays?: number;
}

export interface LiftArgs extends LabelOptions {
  /** Only the decisions of this run. */
  readonly runId?: string;
}

export interface LiftReport extends LiftSummary {
  readonly campaignId: string;
  readonly campaignName: string;
  readonly runId: string | null;
  readonly outcome: OutcomeType;
  readonly windowDays: number;
  readonly confidence: 0.95;
  readonly methods: { readonly difference: 'newcombe_wilson'; readonly relative: 'log_risk_ratio' };
  readonly computedAt: string;
}

export interface TrainingDatasetArgs extends LabelOptions {
  /** The campaigns whose decisions to learn from; every campaign when absent. */
  readonly campaignIds?: readonly string[];
  /** Dataset name; default `labels-<outcome>-<time>`. */
  readonly name?: string;
}

export interface TrainingDatasetResult {
  readonly dataset: DatasetView;
  /** Customers in the dataset, by group. */
  readonly treated: number;
  readonly untreated: number;
  /** Exposures left out because their window is still open. */
  readonly open: number;
  /** Customers decided but not (any more) among the customers. */
  readonly missingCustomers: number;
}

/** The column that says whether the customer was contacted (1) or held out (0). */
export const TREATED_COLUMN = 'treated';
const ID_COLUMN = 'customer_id';
const CUSTOMER_PAGE = 5000;

/**
 * The label view (decisions joined with their outcomes, see `labels.ts`) and what is built
 * on it: the lift of a campaign over its holdout group, and training datasets of "who was
 * contacted and who converted" for the next model.
 */
@Injectable()
export class LabelsService {
  private readonly logger = new Logger(LabelsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly campaigns: CampaignsService,
    private readonly datasets: DatasetsService,
    private readonly clock: EventsClock,
  ) {}

  /**
   * Contacted, converted, conversion rate and lift over the holdout group, for the campaign
   * and for each rule.
   *
   * @throws NotFoundError `campaign_not_found`; UserError `label_options_invalid`.
   */
  async lift(campaignId: string, args: LiftArgs = {}): Promise<LiftReport> {
    const { outcome, windowDays } = this.options(args);
    const campaign = await this.campaigns.get(campaignId);

    const now = this.clock.now();
    const labelled = await this.labelled([campaign.id], outcome, windowDays, now, args.runId);
    const summary = liftSummary(
      labelled,
      campaign.rules.map((rule) => rule.name),
    );

    return {
      campaignId: campaign.id,
      campaignName: campaign.name,
      runId: args.runId ?? null,
      outcome,
      windowDays,
      confidence: 0.95,
      methods: { difference: 'newcombe_wilson', relative: 'log_risk_ratio' },
      computedAt: new Date(now).toISOString(),
      ...summary,
    };
  }

  /**
   * The label view of the campaigns: every contacted or held-out decision with its label.
   *
   * @throws UserError `label_options_invalid`.
   */
  async labelView(
    campaignIds: readonly string[],
    args: LabelOptions = {},
  ): Promise<LabelledDecision[]> {
    const { outcome, windowDays } = this.options(args);

    return this.labelled(campaignIds, outcome, windowDays, this.clock.now());
  }

  /**
   * Imports a training dataset built from the label view, through `DatasetsService`: one
   * row per customer, from their latest exposure whose window has closed, with the
   * customer's attributes, `treated` (contacted: true; holdout: false) and the outcome
   * type as the target (`converted`: true or false). Exposures with an open window are
   * left out: their label could still change. Columns that were the target of a customer
   * import are excluded from the features (they would give the answer away).
   *
   * Like every import, this writes the rows' attributes (with `treated` and the target)
   * onto the customers.
   *
   * @throws UserError `label_options_invalid`, `label_view_empty` (422), and the import's
   *   own errors (e.g. a target with one class only).
   */
  async buildTrainingDataset(args: TrainingDatasetArgs = {}): Promise<TrainingDatasetResult> {
    const { outcome, windowDays } = this.options(args);
    const ids = args.campaignIds ?? (await this.campaigns.list()).map((c) => c.id);
    await this.checkCampaigns(ids);

    const now = this.clock.now();
    const labelled = await this.labelled(ids, outcome, windowDays, now);
    const latest = new Map<string, { treated: boolean; converted: boolean; at: number }>();
    let open = 0;
    for (const exposure of exposures(labelled)) {
      const counted = exposure.treated
        ? exposure.decisions.filter((d) => d.status === 'action')
        : exposure.decisions;
      if (exposure.decidedAt + windowDays * DAY_MS > now) {
        open++;
        continue;
      }
      const previous = latest.get(exposure.customerId);
      if (!previous || previous.at < exposure.decidedAt) {
        latest.set(exposure.customerId, {
          treated: exposure.treated,
          converted: counted.some((d) => d.converted),
          at: exposure.decidedAt,
        });
      }
    }
    if (latest.size === 0) {
      throw new UserError(
        'label_view_empty',
        `No contacted or held-out customer has a closed ${windowDays}-day window yet` +
          (open > 0 ? ` (${open} windows still open)` : '') +
          '; run campaigns, let outcomes come back and try again later.',
        422,
      );
    }

    const file = path.join(this.config.dataDir, 'labels', `label-view-${now}.jsonl`);
    const written = await this.writeRows(file, latest, outcome);
    try {
      const dataset = await this.datasets.importFile({
        file,
        name:
          args.name ??
          `labels-${outcome}-${new Date(now).toISOString().replace(/\D/g, '').slice(0, 14)}`,
        format: 'jsonl',
        target: outcome,
        positiveLabel: 'true',
        idColumn: ID_COLUMN,
        exclude: written.excluded,
        types: { [TREATED_COLUMN]: 'boolean', [outcome]: 'boolean' },
        maxBadRowShare: 0,
      });
      this.logger.log(
        `Label dataset ${dataset.id}: ${dataset.rowCount} customers (${written.treated} ` +
          `contacted, ${written.untreated} held out), ${open} open windows left out`,
      );

      return {
        dataset,
        treated: written.treated,
        untreated: written.untreated,
        open,
        missingCustomers: written.missing,
      };
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  }

  /** @throws NotFoundError `campaign_not_found` for the first id that names no campaign. */
  async checkCampaigns(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.campaigns.get(id);
    }
  }

  /** The defaults filled in, checked. */
  options(args: LabelOptions): { outcome: OutcomeType; windowDays: number } {
    const outcome = args.outcome ?? this.config.labelOutcome;
    const windowDays = args.windowDays ?? this.config.labelWindowDays;
    const problems = [];
    if (!isOutcomeType(outcome)) {
      problems.push({ path: '$.outcome', message: `one of ${OUTCOME_TYPES.join(', ')}` });
    }
    if (!(typeof windowDays === 'number' && windowDays > 0 && windowDays <= 365)) {
      problems.push({ path: '$.windowDays', message: 'a number of days above 0, at most 365' });
    }
    if (problems.length > 0) {
      throw new UserError(
        'label_options_invalid',
        `The label options are invalid: ${problems.map((p) => `${p.path} must be ${p.message}`).join('; ')}.`,
        400,
        problems,
      );
    }

    return { outcome: outcome as OutcomeType, windowDays };
  }

  private async labelled(
    campaignIds: readonly string[],
    outcome: OutcomeType,
    windowDays: number,
    now: number,
    runId?: string,
  ): Promise<LabelledDecision[]> {
    if (campaignIds.length === 0) {
      return [];
    }

    const scope = `"campaign_id" IN (SELECT "value" FROM json_each(?))
      AND "status" IN ('action', 'holdout')${runId === undefined ? '' : ' AND "run_id" = ?'}`;
    const params = [JSON.stringify(campaignIds), ...(runId === undefined ? [] : [runId])];
    const rows: {
      id: string;
      customer_id: string;
      run_id: string | null;
      status: 'action' | 'holdout';
      rule: string | null;
      action: string | null;
      caps: string | null;
      decided_at: string;
    }[] = await this.dataSource.query(
      `SELECT "id", "customer_id", "run_id", "status", "rule", "action", "caps", "decided_at"
       FROM "decisions" WHERE ${scope}`,
      params,
    );
    const outcomes: { customer_id: string; occurred_at: number; decision_id: string | null }[] =
      await this.dataSource.query(
        `SELECT "customer_id", "occurred_at", "decision_id" FROM "outcome_events"
         WHERE "type" = ? AND "customer_id" IN (SELECT "customer_id" FROM "decisions" WHERE ${scope})`,
        [outcome, ...params],
      );

    const decisions = rows.map((row): LabelDecision => ({
      id: row.id,
      customerId: row.customer_id,
      runId: row.run_id,
      status: row.status,
      rule: row.rule,
      action: row.action,
      capped: row.status === 'holdout' && capReached(row.caps),
      decidedAt: Date.parse(row.decided_at),
    }));

    return labelDecisions(
      decisions,
      outcomes.map((o) => ({
        customerId: o.customer_id,
        occurredAt: Number(o.occurred_at),
        decisionId: o.decision_id,
      })),
      { windowMs: windowDays * DAY_MS, now },
    );
  }

  /**
   * Writes one JSON line per customer with attributes. Returns the counts, and the columns
   * the customers' own datasets kept out of training (targets, exclusions): they stay out.
   */
  private async writeRows(
    file: string,
    rows: ReadonlyMap<string, { treated: boolean; converted: boolean }>,
    outcome: OutcomeType,
  ): Promise<{ treated: number; untreated: number; missing: number; excluded: string[] }> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const out = fs.createWriteStream(file);
    const ids = [...rows.keys()];
    const schemas = new Map<string, string[]>();
    const excluded = new Set<string>();
    const counts = { treated: 0, untreated: 0, missing: 0 };
    try {
      for (let start = 0; start < ids.length; start += CUSTOMER_PAGE) {
        const page = ids.slice(start, start + CUSTOMER_PAGE);
        const customers: { id: string; attributes: string; dataset_id: string }[] =
          await this.dataSource.query(
            `SELECT "id", "attributes", "dataset_id" FROM "customers"
             WHERE "id" IN (SELECT "value" FROM json_each(?))`,
            [JSON.stringify(page)],
          );
        counts.missing += page.length - customers.length;
        const lines: string[] = [];
        for (const customer of customers) {
          if (!schemas.has(customer.dataset_id)) {
            const kept = await this.keptOut(customer.dataset_id);
            schemas.set(customer.dataset_id, kept);
            kept.forEach((name) => excluded.add(name));
          }
          const label = rows.get(customer.id) as { treated: boolean; converted: boolean };
          const attributes = JSON.parse(customer.attributes) as CustomerAttributes;
          lines.push(
            JSON.stringify({
              [ID_COLUMN]: customer.id,
              ...attributes,
              [TREATED_COLUMN]: label.treated,
              [outcome]: label.converted,
            }),
          );
          counts[label.treated ? 'treated' : 'untreated']++;
        }
        if (lines.length > 0 && !out.write(`${lines.join('\n')}\n`)) {
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        }
      }
    } finally {
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
    }
    for (const name of [outcome, TREATED_COLUMN, ID_COLUMN]) excluded.delete(name);

    return { ...counts, excluded: [...excluded] };
  }

  /** The columns a dataset kept out of training: its target and its excluded columns. */
  private async keptOut(datasetId: string): Promise<string[]> {
    const rows: { schema: string }[] = await this.dataSource.query(
      'SELECT "schema" FROM "datasets" WHERE "id" = ?',
      [datasetId],
    );
    if (rows.length === 0) {
      return [];
    }
    const schema = JSON.parse(rows[0].schema) as DatasetSchema;

    return schema.columns
      .filter((column) => column.role === 'target' || column.role === 'excluded')
      .map((column) => column.name);
  }
}

/** Whether the caps stored with a decision say one was reached. */
function capReached(caps: string | null): boolean {
  return caps !== null && (JSON.parse(caps) as CapCheck[]).some((cap) => cap.reached);
}
