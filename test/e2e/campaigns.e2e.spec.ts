import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { CampaignsService } from '../../src/modules/campaigns/campaigns.service';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { sharedData, startTestApp } from '../support/app';

const offerRule = {
  name: 'likely-subscribers',
  priority: 10,
  conditions: {
    all: [
      { fact: 'score', operator: 'greaterThanInclusive', value: 0.4 },
      { fact: 'job', operator: 'in', value: ['management', 'technician'] },
      { fact: 'days_since_last_action', path: '$.email', operator: 'greaterThan', value: 14 },
    ],
  },
  event: { type: 'email', params: { template: 'term-deposit' } },
};
const adRule = {
  name: 'retarget',
  conditions: { any: [{ fact: 'score_decile', operator: 'lessThanInclusive', value: 3 }] },
  event: { type: 'ad', params: { audience: 'lookalike' } },
};

describe('campaigns over HTTP (bank.csv, logistic model)', () => {
  let app: INestApplication;
  let http: () => ReturnType<typeof request>;
  let models: ModelsService;
  let campaignId: string;

  const create = (body: Record<string, unknown>) => http().post('/campaigns').send(body);
  const transition = (id: string, action: string) => http().post(`/campaigns/${id}/${action}`);

  beforeAll(async () => {
    ({ app } = await startTestApp());
    http = () => request(app.getHttpServer());
    models = app.get(ModelsService);
    const dataset = await app.get(DatasetsService).importFile({
      file: sharedData('bank-marketing', 'bank.csv'),
      target: 'y',
      positiveLabel: 'yes',
    });
    const queued = await models.train('bank', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
    });
    const job = await models.waitForJob(queued.id);
    expect(job.status).toBe('succeeded');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('creates a draft with the defaults filled in', async () => {
    const { body } = await create({
      name: 'term-deposit',
      description: 'Spring offer',
      modelName: 'bank',
      rules: [offerRule, adRule],
      frequencyCaps: [{ action: 'email', max: 2, windowDays: 7 }],
    }).expect(201);
    campaignId = body.id;

    expect(body).toMatchObject({
      name: 'term-deposit',
      status: 'draft',
      revision: 1,
      holdoutShare: 0.1,
      arbitration: 'one_per_customer',
      audience: null,
      frequencyCaps: [{ action: 'email', max: 2, windowDays: 7 }],
    });
    expect(body.rules).toEqual([offerRule, adRule]);
    const { body: fetched } = await http().get(`/campaigns/${campaignId}`).expect(200);
    expect(fetched.rules).toEqual([offerRule, adRule]);
  });

  it('offers the dataset columns (but the customer id) and types as facts', async () => {
    const facts = await app.get(CampaignsService).factsFor({ modelName: 'bank' });

    expect(Object.keys(facts)).toHaveLength(17);
    expect(facts).toMatchObject({ age: 'numeric', job: 'categorical', y: 'boolean' });
  });

  it('activates only once the model has a champion', async () => {
    const refused = await transition(campaignId, 'activate').expect(409);
    expect(refused.body.error.code).toBe('campaign_model_has_no_champion');

    await models.promote('bank', 1, { reason: 'first version', actor: 'test' });
    const { body } = await transition(campaignId, 'activate').expect(200);
    expect(body.status).toBe('active');
  });

  it('walks active → paused → active → archived, refusing invalid transitions', async () => {
    const again = await transition(campaignId, 'activate').expect(409);
    expect(again.body.error.code).toBe('campaign_transition_invalid');
    expect(again.body.error.message).toContain('from "active" to "active"');

    const listed = await http().get('/campaigns?status=active').expect(200);
    expect(listed.body.map((c: { id: string }) => c.id)).toEqual([campaignId]);

    expect((await transition(campaignId, 'pause').expect(200)).body.status).toBe('paused');
    const pausedTwice = await transition(campaignId, 'pause').expect(409);
    expect(pausedTwice.body.error.message).toContain('from "paused" to "paused"');
    expect((await http().get('/campaigns?status=active').expect(200)).body).toEqual([]);
    expect((await transition(campaignId, 'activate').expect(200)).body.status).toBe('active');
    expect((await transition(campaignId, 'archive').expect(200)).body.status).toBe('archived');

    const revived = await transition(campaignId, 'activate').expect(409);
    expect(revived.body.error.code).toBe('campaign_transition_invalid');
    expect(revived.body.error.message).toContain('from "archived" to "active"');
    const changed = await http().patch(`/campaigns/${campaignId}`).send({ holdoutShare: 0.2 });
    expect([changed.status, changed.body.error.code]).toEqual([409, 'campaign_archived']);
  });

  it('deletes drafts only', async () => {
    const archived = await http().delete(`/campaigns/${campaignId}`).expect(409);
    expect(archived.body.error.code).toBe('campaign_not_deletable');

    const { body: draft } = await create({ name: 'scratch', modelName: 'bank' }).expect(201);
    const pause = await transition(draft.id, 'pause').expect(409);
    expect(pause.body.error.message).toContain('from "draft" to "paused"');
    const empty = await transition(draft.id, 'activate').expect(409);
    expect(empty.body.error.code).toBe('campaign_has_no_rules');

    await http().delete(`/campaigns/${draft.id}`).expect(204);
    const gone = await http().get(`/campaigns/${draft.id}`).expect(404);
    expect(gone.body.error.code).toBe('campaign_not_found');
  });

  it('changes rules, audience and model only in draft or paused', async () => {
    const { body: draft } = await create({ name: 'edits', modelName: 'bank', rules: [adRule] });
    const patched = await http()
      .patch(`/campaigns/${draft.id}`)
      .send({ rules: [adRule, offerRule], holdoutShare: 0.25 })
      .expect(200);
    expect([patched.body.revision, patched.body.holdoutShare]).toEqual([2, 0.25]);
    expect(patched.body.rules.map((r: { name: string }) => r.name)).toEqual([
      'retarget',
      'likely-subscribers',
    ]);

    await transition(draft.id, 'activate').expect(200);
    const locked = await http()
      .patch(`/campaigns/${draft.id}`)
      .send({ audience: { all: [{ fact: 'age', operator: 'lessThan', value: 30 }] } })
      .expect(409);
    expect(locked.body.error.code).toBe('campaign_not_editable');
    expect(locked.body.error.details[0].path).toBe('$.audience');
    const caps = await http()
      .patch(`/campaigns/${draft.id}`)
      .send({ frequencyCaps: [{ action: 'any', max: 3, windowDays: 30 }] })
      .expect(200);
    expect([caps.body.revision, caps.body.frequencyCaps[0].max]).toEqual([2, 3]);
  });

  it('lists as active only campaigns within their dates', async () => {
    const { body } = await create({
      name: 'summer',
      modelName: 'bank',
      rules: [adRule],
      startsAt: '2030-06-01',
      endsAt: '2030-09-01T00:00:00+02:00',
    }).expect(201);
    expect([body.startsAt, body.endsAt]).toEqual([
      '2030-06-01T00:00:00.000Z',
      '2030-08-31T22:00:00.000Z',
    ]);
    await transition(body.id, 'activate').expect(200);
    const campaigns = app.get(CampaignsService);
    const names = async (at: string) =>
      (await campaigns.listActive(new Date(at))).map((c) => c.name);

    expect(await names('2030-05-31T23:59:59Z')).toEqual(['edits']);
    expect(await names('2030-07-01T00:00:00Z')).toEqual(['edits', 'summer']);
    expect(await names('2030-08-31T22:00:00Z')).toEqual(['edits']);
  });

  describe('answers each invalid definition with a 400 naming the JSON path', () => {
    const withCondition = (condition: unknown) => ({
      ...offerRule,
      conditions: { all: [{ fact: 'age', operator: 'greaterThan', value: 25 }, condition] },
    });
    const cases: [string, unknown[], string, string][] = [
      [
        'an unknown operator',
        [adRule, withCondition({ fact: 'age', operator: 'between', value: [30, 40] })],
        '$.rules[1].conditions.all[1].operator',
        'operator_unknown',
      ],
      [
        'a column not in the dataset',
        [withCondition({ fact: 'income', operator: 'greaterThan', value: 1000 })],
        '$.rules[0].conditions.all[1].fact',
        'fact_unknown',
      ],
      [
        'an event type outside the four',
        [
          adRule,
          { ...adRule, name: 'retarget-2' },
          { ...adRule, name: 'sms', event: { type: 'sms' } },
        ],
        '$.rules[2].event.type',
        'event_type_unknown',
      ],
      [
        'an empty all',
        [{ ...adRule, conditions: { all: [] } }],
        '$.rules[0].conditions.all',
        'condition_empty',
      ],
      [
        '`in` with a non-array value',
        [withCondition({ fact: 'job', operator: 'in', value: 'management' })],
        '$.rules[0].conditions.all[1].value',
        'value_not_array',
      ],
      [
        'a malformed condition',
        [withCondition(['age', '>', 25])],
        '$.rules[0].conditions.all[1]',
        'condition_invalid',
      ],
    ];

    it.each(cases)('%s', async (_label, rules, path, code) => {
      const { body } = await create({ name: `bad-${code}`, modelName: 'bank', rules }).expect(400);

      expect(body.error.code).toBe('campaign_invalid');
      expect(body.error.details).toEqual([expect.objectContaining({ path, code })]);
      expect(body.error.message).toContain(path);
    });

    it('an audience reading a score, a holdout above 0.5, an unknown model', async () => {
      const audience = await create({
        name: 'bad-audience',
        modelName: 'bank',
        audience: { all: [{ fact: 'score', operator: 'greaterThan', value: 0.2 }] },
      }).expect(400);
      const holdout = await create({ name: 'bad-holdout', modelName: 'bank', holdoutShare: 0.6 });
      const model = await create({ name: 'bad-model', modelName: 'churn', rules: [adRule] });
      const shape = await create({ name: 'bad-shape', modelName: 'bank', holdoutShare: 'ten' });

      expect(audience.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        '$.audience.all[0].fact',
      ]);
      expect([holdout.status, holdout.body.error.details[0].path]).toEqual([400, '$.holdoutShare']);
      expect([model.status, model.body.error.details]).toEqual([
        400,
        [expect.objectContaining({ path: '$.modelName', code: 'model_not_found' })],
      ]);
      expect([shape.status, shape.body.error.code, shape.body.error.details[0].path]).toEqual([
        400,
        'validation_failed',
        '$.holdoutShare',
      ]);
      const names = (await http().get('/campaigns').expect(200)).body.map(
        (c: { name: string }) => c.name,
      );
      expect(names.filter((n: string) => n.startsWith('bad-'))).toEqual([]);
    });

    it('a name already taken (409)', async () => {
      const { body } = await create({ name: 'edits', modelName: 'bank' }).expect(409);

      expect(body.error.code).toBe('campaign_name_taken');
    });
  });

  describe('rules export and import', () => {
    let id: string;

    beforeAll(async () => {
      const { body } = await create({ name: 'review', modelName: 'bank', rules: [offerRule] });
      id = body.id;
    });

    it('round-trips: the same rules come back under the next revision', async () => {
      const exported = await http().get(`/campaigns/${id}/rules`).expect(200);
      expect(exported.body).toEqual({ campaign: 'review', revision: 1, rules: [offerRule] });

      const imported = await http().put(`/campaigns/${id}/rules`).send(exported.body).expect(200);
      expect(imported.body.revision).toBe(2);
      const again = await http().get(`/campaigns/${id}/rules`).expect(200);
      expect(again.body.rules).toEqual(exported.body.rules);
      expect(again.body.revision).toBe(2);
    });

    it('refuses a stale document, invalid rules and another campaign’s document', async () => {
      const stale = await http()
        .put(`/campaigns/${id}/rules`)
        .send({ campaign: 'review', revision: 1, rules: [adRule] })
        .expect(409);
      const invalid = await http()
        .put(`/campaigns/${id}/rules`)
        .send({ rules: [adRule, { ...offerRule, event: { type: 'push' } }] })
        .expect(400);
      const other = await http()
        .put(`/campaigns/${id}/rules`)
        .send({ campaign: 'edits', rules: [adRule] })
        .expect(400);

      expect(stale.body.error.code).toBe('campaign_rules_stale');
      expect(invalid.body.error.code).toBe('rules_invalid');
      expect(invalid.body.error.details).toEqual([
        expect.objectContaining({ path: '$.rules[1].event.type', code: 'event_type_unknown' }),
      ]);
      expect(other.body.error.details[0].path).toBe('$.campaign');
      const unchanged = await http().get(`/campaigns/${id}/rules`).expect(200);
      expect([unchanged.body.revision, unchanged.body.rules]).toEqual([2, [offerRule]]);
    });

    it('imports only in draft or paused', async () => {
      await transition(id, 'activate').expect(200);
      const active = await http()
        .put(`/campaigns/${id}/rules`)
        .send({ rules: [adRule] });
      expect([active.status, active.body.error.code]).toEqual([409, 'campaign_not_editable']);

      await transition(id, 'pause').expect(200);
      const paused = await http()
        .put(`/campaigns/${id}/rules`)
        .send({ rules: [adRule] });
      expect([paused.status, paused.body.revision, paused.body.rules]).toEqual([200, 3, [adRule]]);
    });

    it('lets one of two simultaneous imports win and refuses the other', async () => {
      const campaigns = app.get(CampaignsService);
      const results = await Promise.allSettled([
        campaigns.importRules(id, { rules: [offerRule] }),
        campaigns.importRules(id, { rules: [adRule, offerRule] }),
      ]);

      // Which of the two reaches the database first is up to the driver; exactly one wins.
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      const loser = results.findIndex((r) => r.status === 'rejected');
      expect([winner, loser].sort()).toEqual([0, 1]);
      expect((results[loser] as PromiseRejectedResult).reason.code).toBe('campaign_changed');
      const stored = await campaigns.get(id);
      expect([stored.revision, stored.rules]).toEqual([
        4,
        winner === 0 ? [offerRule] : [adRule, offerRule],
      ]);
    });
  });
});
