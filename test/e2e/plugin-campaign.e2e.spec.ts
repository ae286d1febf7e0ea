import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { CampaignRunsService } from '../../src/modules/campaigns/campaign-runs.service';
import { CampaignsService } from '../../src/modules/campaigns/campaigns.service';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { sharedData, startTestApp } from '../support/app';

/**
 * A third-party plugin (examples/plugin-naive-bayes, loaded from configuration) trained on the
 * bank marketing data and used by a campaign run: its champion scores every customer and the
 * decisions name its version.
 */
const PLUGIN_DIR = path.resolve(__dirname, '../../examples/plugin-naive-bayes');

describe('a third-party plugin in a campaign run', () => {
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await startTestApp({ plugins: [PLUGIN_DIR] }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('trains naive-bayes, promotes it, and decides every customer with its scores', async () => {
    const dataset = await app.get(DatasetsService).importFile({
      file: sharedData('bank-marketing', 'bank.csv'),
      target: 'y',
      positiveLabel: 'yes',
      exclude: ['duration'],
    });
    const models = app.get(ModelsService);
    const job = await models.train('nb-response', {
      datasetId: dataset.id,
      plugins: [{ id: 'naive-bayes' }],
      promote: 'best',
    });
    const done = await models.waitForJob(job.id);

    expect(done.status).toBe('succeeded');
    const model = await models.getModel('nb-response');
    expect(model.champion).toBe(1);
    expect(model.versions[0].pluginId).toBe('naive-bayes');

    const campaigns = app.get(CampaignsService);
    const campaign = await campaigns.create({
      name: 'nb-campaign',
      modelName: 'nb-response',
      holdoutShare: 0.1,
      rules: [
        {
          name: 'top-deciles-email',
          priority: 10,
          conditions: { all: [{ fact: 'score_decile', operator: 'lessThanInclusive', value: 3 }] },
          event: { type: 'email', params: { template: 'offer' } },
        },
      ],
    });
    await campaigns.transition(campaign.id, 'activate');
    const start = await app.get(CampaignRunsService).begin({ campaignId: campaign.id });
    const run = await start.done;

    expect(run.status).toBe('succeeded');
    expect(run.model).toMatchObject({ name: 'nb-response', version: 1 });
    expect(run.counts.customers).toBe(4521);
    // Deciles come from the version's test split, so about 30% of the non-holdout customers.
    const emailed = run.counts.byAction.email ?? 0;
    expect(emailed / (run.counts.customers - run.counts.holdout)).toBeGreaterThan(0.2);
    expect(emailed / (run.counts.customers - run.counts.holdout)).toBeLessThan(0.4);

    const page = await request(app.getHttpServer())
      .get(`/runs/${run.id}/decisions?limit=5&status=action`)
      .expect(200);
    // The example plugin explains its predictions, so each action carries its top features.
    expect(page.body.items[0]).toMatchObject({ model: 'nb-response', modelVersion: 1 });
    expect(page.body.items[0].explanation).toHaveLength(3);
    expect(typeof page.body.items[0].explanation[0].feature).toBe('string');
  });
});
