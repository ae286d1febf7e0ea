import { INestApplication } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { AppConfig } from '../../src/config/config';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { rocAuc, stratifiedSplit } from '../../src/modules/models/evaluation';
import { ModelsService } from '../../src/modules/models/models.service';
import { PluginRegistry } from '../../src/modules/models/plugin-registry.service';
import { readyApp, sharedData, startTestApp } from '../support/app';
import { fakeLinearPlugin } from '../unit/models/fake-plugins';

async function pollJob(app: INestApplication, jobId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await request(app.getHttpServer()).get(`/jobs/${jobId}`).expect(200);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) {
      return body;
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('models over HTTP (bank.csv)', () => {
  let app: INestApplication;
  let config: AppConfig;
  let datasetId: string;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    ({ app, config } = await startTestApp());
    http = () => request(app.getHttpServer());
    // A third-party plugin that trains slowly enough to be cancelled midway.
    app.get(PluginRegistry).register(fakeLinearPlugin({ id: 'slow', epochDelayMs: 5 }));
    const dataset = await app.get(DatasetsService).importFile({
      file: sharedData('bank-marketing', 'bank.csv'),
      target: 'y',
      positiveLabel: 'yes',
    });
    datasetId = dataset.id;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists the built-in plugins with their hyperparameter schemas', async () => {
    const { body } = await http().get('/plugins').expect(200);

    expect(body.map((p: { id: string }) => p.id)).toEqual(['logistic', 'svm', 'neural', 'slow']);
    expect(body[0].hyperparameters.properties.C.default).toBe(1);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { body } = await http().get('/docs/json').expect(200);

    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/models',
        '/models/{name}',
        '/models/{name}/train',
        '/models/{name}/versions/{version}',
        '/models/{name}/versions/{version}/promote',
        '/models/{name}/rollback',
        '/jobs/{id}',
        '/jobs/{id}/cancel',
        '/plugins',
      ]),
    );
    expect(body.components.schemas.TrainModelDto.required).toEqual(['datasetId', 'plugins']);
  });

  it('answers bad training requests with 400s that name the JSON path', async () => {
    const badParams = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'logistic' }, { id: 'svm', params: { C: 'high' } }] })
      .expect(400);
    const unknown = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'xgboost' }] })
      .expect(400);
    const shape = await http().post('/models/bank/train').send({ datasetId }).expect(400);
    const range = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'logistic' }], testShare: 0.95 })
      .expect(400);

    expect(badParams.body.error.code).toBe('plugin_params_invalid');
    expect(badParams.body.error.details).toEqual([
      expect.objectContaining({ path: '$.plugins[1].params.C', message: 'must be number' }),
    ]);
    expect(unknown.body.error.code).toBe('plugin_unknown');
    expect(unknown.body.error.message).toContain('known plugins: logistic, svm, neural, slow');
    expect(shape.body.error.code).toBe('validation_failed');
    expect(shape.body.error.details[0].path).toBe('$.plugins');
    expect(range.body.error.details).toEqual([
      { path: '$.testShare', message: 'must be between 0.05 and 0.5' },
    ]);
  });

  it('answers unknown models, versions, jobs and datasets with 404s', async () => {
    const responses = await Promise.all([
      http().get('/models/nothing-here'),
      http().get('/models/nothing-here/versions/1'),
      http().get('/jobs/00000000-0000-0000-0000-000000000000'),
      http().post('/jobs/00000000-0000-0000-0000-000000000000/cancel'),
      http().post('/models/nothing-here/rollback'),
      http()
        .post('/models/bank/train')
        .send({ datasetId: 'no-such-dataset', plugins: [{ id: 'logistic' }] }),
    ]);

    expect(responses.map((r) => [r.status, r.body.error.code])).toEqual([
      [404, 'model_not_found'],
      [404, 'model_not_found'],
      [404, 'training_job_not_found'],
      [404, 'training_job_not_found'],
      [404, 'model_not_found'],
      [404, 'dataset_not_found'],
    ]);
    const badVersion = await http().get('/models/bank/versions/latest').expect(400);
    expect(badVersion.body.error.code).toBe('model_version_invalid');
  });

  let firstRocAuc: number;

  it('trains logistic regression in a job and stores a version with its metrics', async () => {
    const accepted = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'logistic' }], cvFolds: 3 })
      .expect(202);
    const job = await pollJob(app, accepted.body.jobId);
    const result = job.result as { versions: { version: number; metrics: { rocAuc: number } }[] };
    const { body: version } = await http().get('/models/bank/versions/1').expect(200);
    const test = version.metrics.test;
    process.stdout.write(
      `bank.csv logistic: test ROC AUC ${test.rocAuc.toFixed(4)}, PR AUC ${test.prAuc.toFixed(4)}, ` +
        `train ROC AUC ${version.metrics.trainRocAuc.toFixed(4)}, CV ` +
        `${version.metrics.cv.meanRocAuc.toFixed(4)} ± ${version.metrics.cv.stdRocAuc.toFixed(4)}, ` +
        `fit ${version.metrics.timings.fitSeconds.toFixed(2)} s` +
        '\n',
    );
    firstRocAuc = test.rocAuc;

    expect(job.status).toBe('succeeded');
    expect(job.progress).toBe(1);
    expect(job.error).toBeNull();
    expect(result.versions).toHaveLength(1);
    expect(result.versions[0].version).toBe(1);
    expect(result.versions[0].metrics.rocAuc).toBe(test.rocAuc);
    expect(test.rocAuc).toBeGreaterThan(0.85);
    // As scikit-learn: the test part is ceil(share × rows).
    expect(test.rows).toBe(Math.ceil(4521 * 0.2));
    expect(version.metrics.cv.rocAuc).toHaveLength(3);
    expect(version).toMatchObject({
      version: 1,
      status: 'candidate',
      pluginId: 'logistic',
      datasetId,
      trainingJobId: accepted.body.jobId,
      params: { C: 1, maxIterations: 100, classWeight: 'none' },
    });
    expect(version.featureNames).toEqual(expect.arrayContaining(['age', 'duration']));
    expect(version.featureNames).not.toContain('y');
  });

  it('trains two plugins in one job and promotes the best of them', async () => {
    const accepted = await http()
      .post('/models/bank/train')
      .send({
        datasetId,
        plugins: [{ id: 'logistic', params: { C: 0.0001 } }, { id: 'svm' }],
        promote: 'best',
        description: 'Term deposit subscription',
      })
      .expect(202);
    const job = await pollJob(app, accepted.body.jobId);
    const result = job.result as { versions: { version: number; pluginId: string }[] };
    const { body: model } = await http().get('/models/bank').expect(200);
    const aucs = model.versions.map((v: { version: number; metrics: { rocAuc: number } }) => [
      v.version,
      v.metrics.rocAuc,
    ]);
    process.stdout.write(`bank.csv versions (version, test ROC AUC): ${JSON.stringify(aucs)}\n`);
    const best = [...aucs].filter(([v]) => v > 1).sort((a, b) => b[1] - a[1])[0][0];

    expect(job.status).toBe('succeeded');
    expect(result.versions.map((v) => [v.version, v.pluginId])).toEqual([
      [2, 'logistic'],
      [3, 'svm'],
    ]);
    expect(model.description).toBe('Term deposit subscription');
    expect(model.champion).toBe(best);
    expect(model.promotions).toEqual([
      expect.objectContaining({ action: 'promote', toVersion: best, actor: 'training' }),
    ]);
  });

  it('promotes a version over HTTP and rolls back to the champion before it', async () => {
    const before = (await http().get('/models/bank').expect(200)).body.champion;
    const promoted = await http()
      .post('/models/bank/versions/1/promote')
      .send({ reason: 'simpler model', actor: 'maria' })
      .expect(200);
    const again = await http().post('/models/bank/versions/1/promote').expect(409);
    const afterPromote = (await http().get('/models/bank').expect(200)).body;
    const rolled = await http().post('/models/bank/rollback').send({}).expect(200);
    const list = (await http().get('/models').expect(200)).body;

    expect(promoted.body).toMatchObject({ version: 1, status: 'champion' });
    expect(again.body.error.code).toBe('version_already_champion');
    expect(
      afterPromote.versions.find((v: { version: number }) => v.version === before).status,
    ).toBe('retired');
    expect(afterPromote.promotions.at(-1)).toMatchObject({
      fromVersion: before,
      toVersion: 1,
      actor: 'maria',
      reason: 'simpler model',
    });
    expect(rolled.body).toMatchObject({ version: before, status: 'champion' });
    expect(list).toEqual([
      expect.objectContaining({
        name: 'bank',
        versionCount: 3,
        latestVersion: 3,
        champion: expect.objectContaining({ version: before }),
      }),
    ]);
  });

  it('cancels a running and a queued job, and refuses to cancel one twice', async () => {
    const running = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'slow', params: { epochs: 5000 } }] })
      .expect(202);
    const queued = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'logistic' }] })
      .expect(202);
    const waiting = (await http().get(`/jobs/${queued.body.jobId}`).expect(200)).body;
    const cancelled = await http().post(`/jobs/${queued.body.jobId}/cancel`).expect(200);
    // Progress reaches the database while the job trains, and HTTP stays responsive.
    let progress: { status: string; progress: number; message: string } | undefined;
    while (!progress || progress.progress <= 0.05) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      progress = (await http().get(`/jobs/${running.body.jobId}`).expect(200)).body;
    }
    await http().post(`/jobs/${running.body.jobId}/cancel`).expect(200);
    const first = await pollJob(app, running.body.jobId);
    const twice = await http().post(`/jobs/${queued.body.jobId}/cancel`).expect(409);
    const versions = (await http().get('/models/bank').expect(200)).body.versions;

    expect(waiting).toMatchObject({ status: 'queued', message: 'waiting for earlier jobs' });
    expect(cancelled.body.status).toBe('cancelled');
    expect(progress).toMatchObject({
      status: 'running',
      message: expect.stringMatching(/^slow: epoch \d+/),
    });
    expect(first.status).toBe('cancelled');
    expect(twice.body.error.code).toBe('training_job_finished');
    expect(versions).toHaveLength(3);
  });

  it('fails the job and creates no version when a plugin returns invalid probabilities', async () => {
    const unregister = app
      .get(PluginRegistry)
      .register(
        fakeLinearPlugin({ id: 'broken', distort: (p) => p.map((v, i) => (i === 0 ? NaN : v)) }),
      );
    const accepted = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'logistic' }, { id: 'broken' }] })
      .expect(202);
    const job = await pollJob(app, accepted.body.jobId);
    unregister();
    const versions = (await http().get('/models/bank').expect(200)).body.versions;

    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'plugin_output_invalid' });
    expect(String(job.message)).toContain('Plugin "broken" returned invalid probabilities');
    expect(versions).toHaveLength(3);
  });

  it('scores identically from a new app instance on the same SQLite file', async () => {
    const set = await app.get(DatasetsService).loadTrainingSet(datasetId);
    const split = stratifiedSplit(set.labels, { testShare: 0.2, seed: 42 });
    const rows = Array.from(split.test, (i) => set.records[i]);
    const labels = Uint8Array.from(split.test, (i) => set.labels[i]);
    const before = await (await app.get(ModelsService).loadScorer('bank', 1)).score(rows);
    // A job the process was running when it stopped.
    await app.get<DataSource>(getDataSourceToken()).query(
      `INSERT INTO training_jobs (id, model_name, dataset_id, request, status, progress, created_at)
         VALUES ('crashed-job', 'bank', ?, '{}', 'running', 0.4, '2026-01-01 00:00:00.000')`,
      [datasetId],
    );
    // A job still training when the app shuts down.
    const stopped = await http()
      .post('/models/bank/train')
      .send({ datasetId, plugins: [{ id: 'slow', params: { epochs: 5000 } }] })
      .expect(202);
    while ((await http().get(`/jobs/${stopped.body.jobId}`)).body.status !== 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await app.close();

    app = await createApp(config);
    await readyApp(app);
    const scorer = await app.get(ModelsService).loadScorer('bank', 1);
    const after = await scorer.score(rows);
    const crashed = (await http().get('/jobs/crashed-job').expect(200)).body;
    const shutDown = (await http().get(`/jobs/${stopped.body.jobId}`).expect(200)).body;

    expect(after).toEqual(before);
    expect(rocAuc(labels, after)).toBeCloseTo(firstRocAuc, 12);
    expect(scorer.featureNames).toContain('duration');
    expect(crashed).toMatchObject({ status: 'failed', message: 'interrupted' });
    expect(crashed.error.code).toBe('job_interrupted');
    expect(shutDown).toMatchObject({ status: 'failed', message: 'interrupted by shutdown' });
    expect((await http().get('/models/bank').expect(200)).body.versions).toHaveLength(3);
  });
});
