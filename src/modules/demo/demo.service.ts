import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { CampaignRunsService } from '../campaigns/campaign-runs.service';
import type { RunView } from '../campaigns/campaign-run.entity';
import { CampaignsService } from '../campaigns/campaigns.service';
import type { CampaignRule, RuleCondition } from '../campaigns/rules';
import { SimulationService, SimulationView } from '../campaigns/simulation.service';
import type { ColumnProfile, DatasetView } from '../datasets/dataset-schema';
import { DatasetsService } from '../datasets/datasets.service';
import { writeSyntheticCsv } from '../datasets/synthetic';
import { DispatcherService } from '../delivery/dispatcher.service';
import { EndpointService } from '../delivery/endpoint.service';
import type { ModelVersionView } from '../models/model-views';
import { ModelsService } from '../models/models.service';
import { DemoReceiver, ReceiverTally } from './demo-receiver';

export interface DemoArgs {
  /** A customer file; without one, a seeded synthetic customer base is generated. */
  readonly data?: string;
  readonly target?: string;
  readonly positiveLabel?: string;
  readonly exclude?: readonly string[];
  readonly plugins?: readonly string[];
  readonly syntheticRows?: number;
  readonly seed?: number;
  /** Called at the start of each stage, and with progress within long ones. */
  readonly onStage?: (stage: DemoStage, fraction?: number, message?: string) => void;
}

export type DemoStage = 'import' | 'train' | 'campaign' | 'simulate' | 'run' | 'deliver';

export interface DemoReport {
  readonly dataset: Pick<DatasetView, 'id' | 'name' | 'rowCount' | 'badRowCount'>;
  readonly excluded: readonly string[];
  readonly models: readonly ModelVersionView[];
  readonly champion: {
    readonly pluginId: string;
    readonly version: number;
    readonly rocAuc: number;
  };
  readonly campaign: { readonly id: string; readonly name: string; readonly rules: CampaignRule[] };
  readonly simulation: SimulationView;
  readonly run: RunView;
  readonly deliveries: {
    readonly attempted: number;
    readonly delivered: number;
    readonly retrying: number;
    readonly dead: number;
    readonly receiver: ReceiverTally;
  };
  /** Seconds per stage, in order. */
  readonly seconds: Readonly<Record<DemoStage, number>>;
}

const MODEL = 'demo-response';
const ACTIONS = ['email', 'ad', 'promo', 'social'] as const;

/**
 * Bullseye's main job end to end on the embedded store: import customers, train the
 * plugins, promote the best, run an example campaign with one rule per action type and a 10%
 * holdout, and deliver its actions as signed webhooks to a local receiver that verifies them.
 */
@Injectable()
export class DemoService {
  private readonly logger = new Logger(DemoService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly datasets: DatasetsService,
    private readonly models: ModelsService,
    private readonly campaigns: CampaignsService,
    private readonly simulation: SimulationService,
    private readonly runs: CampaignRunsService,
    private readonly endpoints: EndpointService,
    private readonly dispatcher: DispatcherService,
  ) {}

  async run(args: DemoArgs): Promise<DemoReport> {
    const seconds = {} as Record<DemoStage, number>;
    const stage = async <T>(name: DemoStage, work: () => Promise<T>): Promise<T> => {
      args.onStage?.(name);
      const started = process.hrtime.bigint();
      try {
        return await work();
      } finally {
        seconds[name] = Number(process.hrtime.bigint() - started) / 1e9;
        this.logger.log(`Demo stage ${name} took ${seconds[name].toFixed(2)} s`);
      }
    };

    const input = await this.input(args);
    const dataset = await stage('import', () =>
      this.datasets.importFile({
        file: input.file,
        name: input.name,
        target: input.target,
        positiveLabel: input.positiveLabel,
        idColumn: input.idColumn,
        exclude: [...input.exclude],
        onProgress: (p) =>
          args.onStage?.(
            'import',
            (p.stage === 'scanning' ? 0 : 0.5) + (0.5 * p.bytes) / Math.max(1, p.totalBytes),
            `${p.stage} ${p.rows} rows`,
          ),
      }),
    );

    const versions = await stage('train', () => this.train(dataset.id, args));
    const champion = versions.find((v) => v.status === 'champion') as ModelVersionView;

    const receiver = new DemoReceiver();
    const receiverUrl = await receiver.start();
    try {
      const campaign = await stage('campaign', async () => {
        await this.connectEndpoints(receiver, receiverUrl);
        const created = await this.campaigns.create({
          name: `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`,
          description: 'Example campaign: one rule per action type over score bands and attributes',
          modelName: MODEL,
          rules: exampleRules(dataset),
          holdoutShare: 0.1,
          frequencyCaps: [{ action: 'email', max: 1, windowDays: 7 }],
        });

        return this.campaigns.transition(created.id, 'activate');
      });

      const simulation = await stage('simulate', () => this.simulation.simulate(campaign.id));
      const run = await stage('run', async () => {
        const start = await this.runs.begin({
          campaignId: campaign.id,
          runKey: `demo-${campaign.id}`,
          onProgress: (view) =>
            args.onStage?.(
              'run',
              view.counts.customers / Math.max(1, view.customersTotal),
              `${view.counts.customers} customers decided`,
            ),
        });

        return start.done;
      });
      const delivered = await stage('deliver', () => this.deliverAll(args));

      return {
        dataset: {
          id: dataset.id,
          name: dataset.name,
          rowCount: dataset.rowCount,
          badRowCount: dataset.badRowCount,
        },
        excluded: input.exclude,
        models: versions,
        champion: {
          pluginId: champion.pluginId,
          version: champion.version,
          rocAuc: (champion.metrics.test as { rocAuc: number }).rocAuc,
        },
        campaign: { id: campaign.id, name: campaign.name, rules: campaign.rules },
        simulation,
        run,
        deliveries: { ...delivered, receiver: receiver.tally() },
        seconds,
      };
    } finally {
      await receiver.stop();
    }
  }

  /** The file to import and how to read it: the user's, or a generated synthetic one. */
  private async input(args: DemoArgs): Promise<{
    file: string;
    name: string;
    target: string;
    positiveLabel: string;
    idColumn?: string;
    exclude: readonly string[];
  }> {
    if (args.data) {
      const header = readHeader(args.data);
      // `duration` in the bank marketing file is the length of the call: known only after it.
      const exclude = args.exclude ?? (header.includes('duration') ? ['duration'] : []);

      return {
        file: args.data,
        name: path.basename(args.data),
        target: args.target ?? 'y',
        positiveLabel: args.positiveLabel ?? 'yes',
        exclude,
      };
    }
    const file = path.join(this.config.dataDir, 'demo-customers.csv');
    fs.mkdirSync(this.config.dataDir, { recursive: true });
    await writeSyntheticCsv(file, { rows: args.syntheticRows ?? 20_000, seed: args.seed ?? 42 });

    return {
      file,
      name: 'synthetic customers',
      target: 'responded',
      positiveLabel: 'yes',
      idColumn: 'customer_id',
      exclude: args.exclude ?? [],
    };
  }

  private async train(datasetId: string, args: DemoArgs): Promise<ModelVersionView[]> {
    const job = await this.models.train(MODEL, {
      datasetId,
      plugins: (args.plugins ?? ['logistic', 'svm', 'neural']).map((id) => ({ id })),
      seed: args.seed ?? this.config.trainingSeed,
      promote: 'best',
    });
    const unsubscribe = this.models.onJobEvent((event) => {
      if (event.jobId === job.id) {
        args.onStage?.('train', event.progress, event.message ?? event.status);
      }
    });
    try {
      const done = await this.models.waitForJob(job.id);
      if (done.status !== 'succeeded') {
        throw new Error(`Training ${done.status}: ${JSON.stringify(done.error)}`);
      }
      const result = done.result as { versions: { version: number }[] };

      return Promise.all(result.versions.map((v) => this.models.getVersion(MODEL, v.version)));
    } finally {
      unsubscribe();
    }
  }

  private async connectEndpoints(receiver: DemoReceiver, url: string): Promise<void> {
    for (const action of ACTIONS) {
      const endpoint = await this.endpoints.create({
        name: `demo ${action} integration`,
        url: `${url}/${action}`,
        actionTypes: [action],
        ...(action === 'ad' ? { batchSize: 500 } : {}),
      });
      receiver.expect(`/${action}`, endpoint.secret);
    }
  }

  /** Drains the outbox until nothing is due (first attempts and immediate retries). */
  private async deliverAll(
    args: DemoArgs,
  ): Promise<{ attempted: number; delivered: number; retrying: number; dead: number }> {
    const total = { attempted: 0, delivered: 0, retrying: 0, dead: 0 };
    for (let round = 0; round < 20; round++) {
      const result = await this.dispatcher.drain();
      total.attempted += result.attempted;
      total.delivered += result.delivered;
      total.dead += result.dead;
      total.retrying = result.retrying;
      args.onStage?.('deliver', 1, `${total.delivered} delivered`);
      if (result.attempted === 0) {
        break;
      }
    }

    return total;
  }
}

function readHeader(file: string): string[] {
  const handle = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const bytes = fs.readSync(handle, buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, bytes).toString('utf8').split(/\r?\n/)[0];

    return line.split(/[,;\t]/).map((name) => name.replace(/^\uFEFF?"?|"$/g, '').trim());
  } finally {
    fs.closeSync(handle);
  }
}

/**
 * One rule per action type, over score bands and two attributes the dataset really has (its
 * first numeric feature and its first categorical feature), so the example fits any file.
 */
export function exampleRules(dataset: DatasetView): CampaignRule[] {
  const columns = dataset.profile.columns.filter((c) => c.role === 'feature');
  const numeric = columns.find((c) => c.type === 'numeric' && typeof c.mean === 'number');
  const categorical = columns.find(
    (c) => c.type === 'categorical' && (c.topCategories?.length ?? 0) > 1,
  );
  const attribute = (
    column: ColumnProfile | undefined,
    build: (c: ColumnProfile) => RuleCondition[],
  ): RuleCondition[] => (column ? build(column) : []);

  return [
    {
      name: 'high-propensity-email',
      priority: 40,
      conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0.35 }] },
      event: { type: 'email', params: { template: 'premium-offer' } },
    },
    {
      name: 'top-deciles-promo',
      priority: 30,
      conditions: {
        all: [
          { fact: 'score_decile', operator: 'lessThanInclusive', value: 3 },
          ...attribute(numeric, (c) => [
            { fact: c.name, operator: 'greaterThanInclusive', value: round(c.mean as number) },
          ]),
        ],
      },
      event: { type: 'promo', params: { offer: '10-percent-off' } },
    },
    {
      name: 'mid-deciles-ad',
      priority: 20,
      conditions: {
        all: [
          { fact: 'score_decile', operator: 'greaterThanInclusive', value: 4 },
          { fact: 'score_decile', operator: 'lessThanInclusive', value: 6 },
        ],
      },
      event: { type: 'ad', params: { audience: 'lookalike-mid', creative: 'banner-a' } },
    },
    {
      name: 'segment-social',
      priority: 10,
      conditions: {
        all: [
          { fact: 'score', operator: 'greaterThanInclusive', value: 0.05 },
          ...attribute(categorical, (c) => [
            {
              fact: c.name,
              operator: 'in',
              value: (c.topCategories ?? []).slice(0, 2).map((t) => t.value),
            },
          ]),
        ],
      },
      event: { type: 'social', params: { creative: 'story-b' } },
    },
  ];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
