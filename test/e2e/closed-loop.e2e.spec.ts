import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CampaignRunsService } from '../../src/modules/campaigns/campaign-runs.service';
import { CampaignsService } from '../../src/modules/campaigns/campaigns.service';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { EventsClock } from '../../src/modules/events/events-clock';
import { EventsService } from '../../src/modules/events/events.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { SchedulesService } from '../../src/modules/scheduling/schedules.service';
import { AppConfig } from '../../src/config/config';
import { sharedData, startTestApp } from '../support/app';

const DAY = 24 * 3600 * 1000;

/**
 * The loop closed on bank-full: a campaign decides for every customer, the outcomes come
 * back (a customer converts when the file says they subscribed), a retraining run learns from
 * the label view of that campaign, and the model's history shows the new version with the
 * comparison that decided its fate.
 */
describe('campaign → outcomes → retraining from the label view', () => {
  let app: INestApplication;
  let config: AppConfig;

  beforeAll(async () => {
    ({ app, config } = await startTestApp());
  });

  afterAll(async () => {
    await app?.close();
  });

  it('retrains from what the campaign did and records the comparison', async () => {
    const datasets = app.get(DatasetsService);
    const models = app.get(ModelsService);
    const dataset = await datasets.importFile({
      file: sharedData('bank-marketing', 'bank-full.csv'),
      target: 'y',
      positiveLabel: 'yes',
      exclude: ['duration'],
    });
    const job = await models.train('loop', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    expect((await models.waitForJob(job.id)).status).toBe('succeeded');

    const campaigns = app.get(CampaignsService);
    const campaign = await campaigns.create({
      name: 'loop-email',
      modelName: 'loop',
      holdoutShare: 0.1,
      rules: [
        {
          name: 'top-half-email',
          priority: 10,
          conditions: { all: [{ fact: 'score_decile', operator: 'lessThanInclusive', value: 5 }] },
          event: { type: 'email', params: { template: 'offer' } },
        },
      ],
    });
    await campaigns.transition(campaign.id, 'activate');
    const runs = app.get(CampaignRunsService);
    const run = await (await runs.begin({ campaignId: campaign.id })).done;
    expect(run.counts.customers).toBe(45211);

    // "Why this customer" covers the model too: logistic regression explains each action.
    const [emailed] = (await runs.listRunDecisions(run.id, { status: 'action', limit: 1 })).items;
    const why = await runs.explain(emailed.id);
    expect(why.decision.explanation).toHaveLength(3);
    expect(why.decision.explanation?.[0]).toEqual({
      feature: expect.any(String),
      contribution: expect.any(Number),
    });
    const sizes = why.decision.explanation?.map((c) => Math.abs(c.contribution)) ?? [];
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));

    // Outcomes: every decided customer who subscribed in the file converts a day later.
    const decided: { id: string; customer_id: string; decided_at: string | number }[] = await app
      .get(DataSource)
      .query(
        `SELECT d.id, d.customer_id, d.decided_at FROM decisions d
         JOIN dataset_records r ON r.customer_id = d.customer_id AND r.dataset_id = ?
         WHERE d.run_id = ? AND r.label = 1`,
        [dataset.id, run.id],
      );
    expect(decided.length).toBeGreaterThan(4000);
    const decidedAt = new Date(decided[0].decided_at).getTime();
    const file = path.join(config.dataDir, 'outcomes.jsonl');
    fs.writeFileSync(
      file,
      decided
        .map((d, i) =>
          JSON.stringify({
            id: `conv-${i}`,
            customerId: d.customer_id,
            type: 'converted',
            occurredAt: new Date(decidedAt + DAY).toISOString(),
            decisionId: d.id,
          }),
        )
        .join('\n') + '\n',
    );
    // Fifteen days on, every 14-day window has closed.
    app.get(EventsClock).now = () => decidedAt + 15 * DAY;
    const imported = await app.get(EventsService).importFile(file);
    expect(imported.stored).toBe(decided.length);

    const schedules = app.get(SchedulesService);
    await schedules.create({
      modelName: 'loop',
      cron: '0 3 * * *',
      source: { kind: 'label_view', campaignIds: [campaign.id], windowDays: 14 },
    });
    const retrain = await schedules.retrainModel('loop', 'test');
    const finished = await retrain.done;

    expect(['promoted', 'kept']).toContain(finished.status);
    // The label view holds the exposed customers: those contacted and those held out.
    expect(finished.rows).toBe(run.counts.actioned + run.counts.holdout);
    expect(finished.champion?.value).toBeGreaterThan(0.6);
    expect(finished.challenger?.value).toBeGreaterThan(0.6);
    expect(finished.reason).toMatch(/challenger/);
    const model = await models.getModel('loop');
    expect(model.versions).toHaveLength(2);
    if (finished.status === 'promoted') {
      expect(model.champion).toBe(2);
      expect(model.promotions.at(-1)).toMatchObject({ toVersion: 2 });
      expect(model.promotions.at(-1)?.reason).toContain(
        String(finished.challenger?.value).slice(0, 4),
      );
    } else {
      expect(model.champion).toBe(1);
    }
    process.stdout.write(`closed loop: ${finished.status}; ${finished.reason}\n`);
  });
});
