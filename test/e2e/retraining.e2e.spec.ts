import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { createRandom } from '../../src/common/random';
import { AppConfig } from '../../src/config/config';
import { inTransaction } from '../../src/database/unit-of-work';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { rocAuc, stratifiedSplit } from '../../src/modules/models/evaluation';
import { ModelsService } from '../../src/modules/models/models.service';
import { PluginRegistry } from '../../src/modules/models/plugin-registry.service';
import { cronJobName } from '../../src/modules/scheduling/schedules.service';
import { SchedulingClock } from '../../src/modules/scheduling/scheduling-clock';
import type { RetrainingRunView } from '../../src/modules/scheduling/scheduling-views';
import { TrainingSources } from '../../src/modules/scheduling/training-sources';
import { ScoringService } from '../../src/modules/scoring/scoring.service';
import { readyApp, sharedData, startTestApp } from '../support/app';
import { fakeLinearPlugin } from '../unit/models/fake-plugins';

const BANK = sharedData('bank-marketing', 'bank.csv');

/** No API keys and no rate limit: these tests are about scheduling, not access. */
const TEST_SETTINGS: Partial<AppConfig> = {
  dispatcherEnabled: false,
  auth: 'off',
  rateLimitPerMinute: 0,
};

/** A run as the API answers it, read where the test knows which figures it holds. */
type RunBody = Omit<RetrainingRunView, 'champion' | 'challenger'> & {
  champion: { version: number; value: number; ece: number };
  challenger: { version: number; pluginId: string; value: number; ece: number };
};

/** bank.csv as its header and data lines, untouched. */
function bankLines(): { header: string; lines: string[] } {
  const [header, ...lines] = fs.readFileSync(BANK, 'utf8').trim().split('\n');

  return { header, lines };
}

/** `rows` lines of bank.csv chosen by a seed, the outcome of `flipShare` of them flipped. */
function writeNoisySubset(file: string, rows: number, flipShare: number, seed: number): void {
  const { header, lines } = bankLines();
  const random = createRandom(seed);
  const chosen = random.shuffle([...lines]).slice(0, rows);
  const noisy = chosen.map((line) => {
    if (random.next() >= flipShare) return line;

    return line.endsWith('"yes"') ? line.replace(/"yes"$/, '"no"') : line.replace(/"no"$/, '"yes"');
  });
  fs.writeFileSync(file, `${header}\n${noisy.join('\n')}\n`);
}

/** bank.csv with every customer 40 years older: the same people, another population. */
function writeOlderCustomers(file: string): void {
  const { header, lines } = bankLines();
  const older = lines.map((line) =>
    line.replace(/^(\d+);/, (_, age: string) => `${Number(age) + 40};`),
  );
  fs.writeFileSync(file, `${header}\n${older.join('\n')}\n`);
}

/** A plugin whose probabilities ignore the customer: a challenger no better than a coin. */
const coinPlugin = fakeLinearPlugin({
  id: 'coin',
  distort: (p) => p.map((_, i) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1),
});

/** A plugin that fails with an unexpected error as soon as it trains. */
const crashingPlugin = fakeLinearPlugin({
  id: 'crash',
  onEpoch: () => {
    throw new Error('the plugin crashed');
  },
});

describe('retraining on a schedule (bank.csv)', () => {
  let app: INestApplication;
  let config: AppConfig;
  let http: () => ReturnType<typeof request>;
  let clock: SchedulingClock;
  let bankId: string;
  let scheduleId: string;

  const setClock = (iso: string): void => {
    clock.now = () => new Date(iso);
  };
  /** What the cron job does at its time, called through the registry instead of waiting. */
  const tick = async (iso: string): Promise<void> => {
    setClock(iso);
    await app.get(SchedulerRegistry).getCronJob(cronJobName(scheduleId)).fireOnTick();
  };
  const runs = async (): Promise<RunBody[]> =>
    (await http().get(`/schedules/${scheduleId}/runs`).expect(200)).body;
  const model = async () => (await http().get('/models/response').expect(200)).body;

  beforeAll(async () => {
    ({ app, config } = await startTestApp(TEST_SETTINGS));
    http = () => request(app.getHttpServer());
    clock = app.get(SchedulingClock);
    setClock('2026-03-01T12:00:00Z');
    app.get(PluginRegistry).register(coinPlugin);
    app.get(PluginRegistry).register(crashingPlugin);

    const datasets = app.get(DatasetsService);
    bankId = (
      await datasets.importFile({ file: BANK, name: 'bank', target: 'y', positiveLabel: 'yes' })
    ).id;
    const noisyFile = path.join(config.dataDir, 'bank-noisy.csv');
    writeNoisySubset(noisyFile, 500, 0.35, 11);
    const noisy = await datasets.importFile({
      file: noisyFile,
      name: 'bank-noisy',
      target: 'y',
      positiveLabel: 'yes',
    });

    // The champion: logistic regression on 500 customers, a third of their outcomes wrong.
    const models = app.get(ModelsService);
    const job = await models.train('response', {
      datasetId: noisy.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    expect((await models.waitForJob(job.id)).status).toBe('succeeded');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses a bad cron expression or time zone with a 400 naming the path', async () => {
    const { body } = await http()
      .post('/schedules')
      .send({
        modelName: 'response',
        cron: 'every night',
        timeZone: 'Atlantis/Capital',
        source: { kind: 'dataset', datasetId: bankId },
      })
      .expect(400);
    const unknownKind = await http()
      .post('/schedules')
      .send({ modelName: 'response', cron: '0 3 * * *', source: { kind: 'crm' } })
      .expect(400);
    const badPlugin = await http()
      .post('/schedules')
      .send({
        modelName: 'response',
        cron: '0 3 * * *',
        source: { kind: 'dataset', datasetId: bankId },
        plugins: [{ id: 'svm', params: { C: 'high' } }],
      })
      .expect(400);

    expect(body.error.code).toBe('schedule_invalid');
    expect(body.error.details.map((d: { path: string }) => d.path)).toEqual([
      '$.cron',
      '$.timeZone',
    ]);
    expect(unknownKind.body.error.details).toEqual([
      { path: '$.source.kind', message: expect.stringContaining('must be one of "dataset"') },
    ]);
    expect(badPlugin.body.error.code).toBe('plugin_params_invalid');
    expect(badPlugin.body.error.details[0].path).toBe('$.plugins[0].params.C');
  });

  it('registers and starts a cron job in the schedule’s time zone', async () => {
    const { body } = await http()
      .post('/schedules')
      .send({
        modelName: 'response',
        cron: '0 3 * * *',
        timeZone: 'America/New_York',
        source: { kind: 'dataset', datasetId: bankId },
      })
      .expect(201);
    scheduleId = body.id;
    const job = app.get(SchedulerRegistry).getCronJob(cronJobName(scheduleId));
    const duplicate = await http()
      .post('/schedules')
      .send({
        modelName: 'response',
        cron: '0 4 * * *',
        source: { kind: 'dataset', datasetId: bankId },
      })
      .expect(409);

    // 03:00 in New York on 2 March 2026 (EST, UTC−5) is 08:00 UTC.
    expect(body).toMatchObject({
      modelName: 'response',
      plugins: null,
      metric: 'rocAuc',
      margin: 0.002,
      guards: { minRows: 1000, requireBothClasses: true, maxEceIncrease: 0.02 },
      drift: { mode: 'always', threshold: 0.2 },
      enabled: true,
      job: { registered: true, active: true, nextRunAt: '2026-03-02T08:00:00.000Z' },
    });
    expect(job.isActive).toBe(true);
    expect(job.nextDate().setZone('America/New_York').hour).toBe(3);
    expect(duplicate.body.error.code).toBe('schedule_exists');

    const moved = await http()
      .patch(`/schedules/${scheduleId}`)
      .send({ timeZone: 'Europe/Lisbon' })
      .expect(200);
    expect(moved.body.job).toEqual({
      registered: true,
      active: true,
      nextRunAt: '2026-03-02T03:00:00.000Z',
    });
    expect(
      app
        .get(SchedulerRegistry)
        .getCronJob(cronJobName(scheduleId))
        .nextDate()
        .setZone('Europe/Lisbon').hour,
    ).toBe(3);
  });

  it('fires, retrains on all of bank.csv and promotes the better challenger', async () => {
    await tick('2026-03-02T03:00:00Z');
    const [run] = await runs();
    const history = (await model()).promotions;

    expect(run).toMatchObject({
      trigger: 'schedule',
      status: 'promoted',
      decision: 'promote',
      actor: 'scheduler',
      scheduledFor: '2026-03-02T03:00:00.000Z',
      datasetId: bankId,
      rows: 4521,
      testRows: 905,
      champion: { version: 1 },
      challenger: { version: 2, pluginId: 'logistic' },
    });
    expect(run.challenger.value).toBeGreaterThan(run.champion.value + 0.002);
    expect(history.at(-1)).toMatchObject({
      action: 'promote',
      fromVersion: 1,
      toVersion: 2,
      actor: 'scheduler',
    });
    expect(history.at(-1).reason).toContain(
      `rocAuc ${run.challenger.value.toFixed(4)} vs champion version 1 ` +
        run.champion.value.toFixed(4),
    );
    expect((await model()).champion).toBe(2);
    expect(await app.get(DataSource).query('SELECT * FROM schedule_locks')).toEqual([]);

    // The champion's figure is its stored scorer on the run's own held-out rows, recomputed here.
    const set = await app.get(DatasetsService).loadTrainingSet(bankId);
    const { test } = stratifiedSplit(set.labels, { testShare: 0.2, seed: run.seed });
    const scorer = await app.get(ModelsService).loadScorer('response', 1);
    const probabilities = await scorer.score(Array.from(test, (row) => set.records[row]));
    const labels = Uint8Array.from(test, (row) => set.labels[row]);
    expect(rocAuc(labels, probabilities)).toBeCloseTo(run.champion.value, 12);
    process.stdout.write(
      `promoted: challenger ROC AUC ${run.challenger.value.toFixed(4)} vs champion ` +
        `${run.champion.value.toFixed(4)}; ECE ${run.challenger.ece.toFixed(4)} vs ` +
        `${run.champion.ece.toFixed(4)}\n`,
    );
  });

  it('runs an occurrence once: a second tick for the same time does nothing', async () => {
    await tick('2026-03-02T03:00:00.250Z');

    expect(await runs()).toHaveLength(1);
  });

  it('keeps a worse challenger out and the champion in place', async () => {
    await http()
      .patch(`/schedules/${scheduleId}`)
      .send({ plugins: [{ id: 'coin' }] })
      .expect(200);
    const promotionsBefore = (await model()).promotions.length;

    await tick('2026-03-03T03:00:00Z');
    const [run] = await runs();
    const after = await model();

    expect(run).toMatchObject({
      status: 'kept',
      decision: 'keep',
      champion: { version: 2 },
      challenger: { version: 3, pluginId: 'coin' },
    });
    expect(run.challenger.value).toBeLessThan(run.champion.value - 0.2);
    expect(run.reason).toContain('version 3 kept as a candidate');
    expect(after.champion).toBe(2);
    expect(after.promotions).toHaveLength(promotionsBefore);
    expect(after.versions.find((v: { version: number }) => v.version === 3).status).toBe(
      'candidate',
    );
    process.stdout.write(`kept: ${run.reason}\n`);
  });

  it('refuses a challenger trained on one outcome only, by its guard', async () => {
    const negatives = await app.get(DatasetsService).loadTrainingSet(bankId);
    const rows = [...negatives.labels.keys()].filter((i) => negatives.labels[i] === 0);
    app.get(TrainingSources).register<{ kind: 'negatives' }>({
      kind: 'negatives',
      example: '{ "kind": "negatives" }',
      parse: () => ({ kind: 'negatives' }),
      check: async () => undefined,
      load: async () => ({
        schema: negatives.schema,
        records: rows.map((i) => negatives.records[i]),
        labels: new Uint8Array(rows.length),
        datasetId: bankId,
        description: 'the customers of bank.csv who did not subscribe',
      }),
    });
    await http()
      .patch(`/schedules/${scheduleId}`)
      .send({ source: { kind: 'negatives' }, plugins: null })
      .expect(200);
    const versionsBefore = (await model()).versions.length;

    await tick('2026-03-04T03:00:00Z');
    const [run] = await runs();

    expect(run).toMatchObject({ status: 'kept', decision: 'keep', rows: 4000, challenger: null });
    expect(run.guards).toEqual([
      { guard: 'min_rows', passed: true, detail: '4000 labelled rows, at least 1000 required' },
      { guard: 'both_classes', passed: false, detail: '0 positive and 4000 negative rows' },
    ]);
    expect((await model()).champion).toBe(2);
    expect((await model()).versions).toHaveLength(versionsBefore);
  });

  it('leaves the champion alone when the run crashes', async () => {
    await http()
      .patch(`/schedules/${scheduleId}`)
      .send({ source: { kind: 'dataset', datasetId: bankId }, plugins: [{ id: 'crash' }] })
      .expect(200);

    await tick('2026-03-05T03:00:00Z');
    const [run] = await runs();

    expect(run).toMatchObject({ status: 'failed', error: { code: 'retraining_no_challenger' } });
    expect(run.candidates).toEqual([
      expect.objectContaining({
        pluginId: 'crash',
        value: null,
        error: expect.objectContaining({ code: 'internal_error' }),
      }),
    ]);
    expect((await model()).champion).toBe(2);
    expect(await app.get(DataSource).query('SELECT * FROM schedule_locks')).toEqual([]);
  });

  it('retrains on request, holding the same lock as the schedule', async () => {
    await http().patch(`/schedules/${scheduleId}`).send({ plugins: null }).expect(200);
    setClock('2026-03-05T10:00:00Z');

    const started = await http().post('/models/response/retrain').send({}).expect(202);
    const busy = await http().post('/models/response/retrain').send({}).expect(409);
    let run: RunBody = started.body;
    while (run.status === 'running') {
      await new Promise((resolve) => setImmediate(resolve));
      run = (await http().get(`/retraining-runs/${started.body.id}`).expect(200)).body;
    }
    const unknown = await http().post('/models/nobody/retrain').send({}).expect(404);

    expect(started.body).toMatchObject({ status: 'running', trigger: 'manual', actor: 'api' });
    expect(busy.body.error.code).toBe('retraining_in_progress');
    expect(busy.body.error.message).toContain(`(by ${started.body.holder})`);
    expect(await app.get(DataSource).query('SELECT * FROM schedule_locks')).toEqual([]);
    expect(['promoted', 'kept']).toContain(run.status);
    expect(run.scheduledFor).toBeNull();
    if (run.status === 'promoted') {
      expect((await model()).promotions.at(-1).actor).toBe('api');
    }
    expect(unknown.body.error.code).toBe('retraining_schedule_not_found');
  });

  it('makes the first champion of a model that has none, from the listed plugins', async () => {
    const source = { kind: 'dataset', datasetId: bankId };
    const unlisted = await http()
      .post('/schedules')
      .send({ modelName: 'fresh', cron: '0 4 * * 1', source })
      .expect(422);
    await http()
      .post('/schedules')
      .send({ modelName: 'fresh', cron: '0 4 * * 1', source, plugins: [{ id: 'logistic' }] })
      .expect(201);

    const started = await http().post('/models/fresh/retrain').send({ actor: 'maria' }).expect(202);
    let run: RunBody = started.body;
    while (run.status === 'running') {
      await new Promise((resolve) => setImmediate(resolve));
      run = (await http().get(`/retraining-runs/${started.body.id}`).expect(200)).body;
    }
    const fresh = (await http().get('/models/fresh').expect(200)).body;

    expect(unlisted.body.error).toMatchObject({
      code: 'schedule_plugins_required',
      details: [{ path: '$.plugins', message: 'required while the model has no champion' }],
    });
    expect(run).toMatchObject({ status: 'promoted', champion: null, challenger: { version: 1 } });
    expect(fresh.champion).toBe(1);
    expect(fresh.promotions).toEqual([
      expect.objectContaining({ fromVersion: null, toVersion: 1, actor: 'maria' }),
    ]);
    expect(fresh.promotions[0].reason).toContain('no champion yet: challenger logistic rocAuc');
  });

  describe('in on_drift mode', () => {
    beforeAll(async () => {
      await http()
        .patch(`/schedules/${scheduleId}`)
        .send({ drift: { mode: 'on_drift', threshold: 0.2 } })
        .expect(200);
    });

    it('skips while the champion has no drift report', async () => {
      await tick('2026-03-06T03:00:00Z');
      const [run] = await runs();

      expect(run).toMatchObject({ status: 'skipped', decision: 'skip', drift: null });
      expect(run.reason).toContain('no drift report');
    });

    it('records drift at each scoring run and skips while it is below the threshold', async () => {
      const champion = (await model()).champion;
      setClock('2026-03-06T12:00:00Z');
      await app.get(ScoringService).scoreAll({ modelName: 'response' });
      const [report] = (await http().get('/models/response/drift').expect(200)).body;

      await tick('2026-03-07T03:00:00Z');
      const [run] = await runs();

      expect(report).toMatchObject({ modelVersion: champion, rows: 5021 });
      expect(report.features.map((f: { name: string }) => f.name)).toEqual(
        expect.arrayContaining(['age', 'balance', 'job', 'month', 'duration']),
      );
      expect(report.drift).toBeLessThan(0.2);
      expect(report.drift).toBe(
        Math.max(report.scorePsi, ...report.features.map((f: { psi: number }) => f.psi)),
      );
      expect(run).toMatchObject({ status: 'skipped', drift: report.drift });
      expect(run.reason).toContain(`drift ${report.drift.toFixed(4)}`);
      process.stdout.write(
        `no drift: largest PSI ${report.drift.toFixed(4)} (${report.maxFeature})\n`,
      );
    });

    it('retrains once the customers have drifted past the threshold', async () => {
      const older = path.join(config.dataDir, 'bank-older.csv');
      writeOlderCustomers(older);
      await app.get(DatasetsService).importFile({ file: older, name: 'bank-older' });
      setClock('2026-03-07T12:00:00Z');
      await app.get(ScoringService).scoreAll({ modelName: 'response' });
      const [report] = (await http().get('/models/response/drift').expect(200)).body;

      await tick('2026-03-08T03:00:00Z');
      const [run] = await runs();

      expect(report).toMatchObject({ rows: 9542, maxFeature: 'age' });
      expect(report.maxFeaturePsi).toBeGreaterThan(0.5);
      expect(['promoted', 'kept']).toContain(run.status);
      expect(run.drift).toBe(report.drift);
      process.stdout.write(
        `drift: age PSI ${report.maxFeaturePsi.toFixed(4)}; run ${run.status}: ${run.reason}\n`,
      );
    });
  });

  it('restores the schedule’s cron job when the app starts again on the same file', async () => {
    // A run some process left behind without its lock, e.g. killed mid-run.
    await inTransaction(app.get(DataSource), (manager) =>
      manager.query(
        `INSERT INTO retraining_runs (id, schedule_id, model_name, trigger, status, holder, actor,
           started_at, metric, seed, candidates, guards)
         VALUES ('00000000-0000-0000-0000-0000000000aa', ?, 'response', 'manual', 'running',
           'gone#1/x', 'cli', '2026-03-08T05:00:00.000Z', 'rocAuc', 1, '[]', '[]')`,
        [scheduleId],
      ),
    );
    await app.close();

    app = await createApp(config);
    clock = app.get(SchedulingClock);
    setClock('2026-03-08T12:00:00Z');
    await readyApp(app);
    const registry = app.get(SchedulerRegistry);
    const { body } = await http().get(`/schedules/${scheduleId}`).expect(200);
    const stale = (
      await http().get('/retraining-runs/00000000-0000-0000-0000-0000000000aa').expect(200)
    ).body;

    expect(registry.doesExist('cron', cronJobName(scheduleId))).toBe(true);
    expect(registry.getCronJob(cronJobName(scheduleId)).isActive).toBe(true);
    expect(body.job).toEqual({
      registered: true,
      active: true,
      nextRunAt: '2026-03-09T03:00:00.000Z',
    });
    expect(stale).toMatchObject({ status: 'failed', error: { code: 'retraining_interrupted' } });

    await tick('2026-03-09T03:00:00Z');
    expect((await runs())[0].scheduledFor).toBe('2026-03-09T03:00:00.000Z');
  });

  it('stops the cron job when the schedule is disabled or deleted; keeps the runs', async () => {
    const registry = app.get(SchedulerRegistry);
    const ids = (await runs()).map((r) => r.id);

    const disabled = await http()
      .patch(`/schedules/${scheduleId}`)
      .send({ enabled: false })
      .expect(200);
    const gone = registry.doesExist('cron', cronJobName(scheduleId));
    await http().patch(`/schedules/${scheduleId}`).send({ enabled: true }).expect(200);
    const back = registry.doesExist('cron', cronJobName(scheduleId));
    await http().delete(`/schedules/${scheduleId}`).expect(204);

    expect(disabled.body.job).toEqual({ registered: false, active: false, nextRunAt: null });
    expect([gone, back, registry.doesExist('cron', cronJobName(scheduleId))]).toEqual([
      false,
      true,
      false,
    ]);
    expect((await http().get(`/schedules/${scheduleId}`).expect(404)).body.error.code).toBe(
      'retraining_schedule_not_found',
    );
    expect((await http().get(`/retraining-runs/${ids[0]}`).expect(200)).body.id).toBe(ids[0]);
  });
});

/** Starts `test/support/retrain-child.ts` with ts-node and reads its lines. */
function startChild(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  exited: Promise<number>;
} {
  const root = path.resolve(__dirname, '../..');
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(root, 'test/support/retrain-child.ts'),
      ...args,
    ],
    { cwd: root, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') } },
  );
  const lines: string[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(errors);
      resolve(code ?? -1);
    }),
  );

  return { child, lines, exited };
}

async function waitForLine(
  lines: string[],
  prefix: string,
  exited: Promise<number>,
): Promise<string> {
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    const line = lines.find((l) => l.startsWith(prefix));
    if (line) return line.slice(prefix.length);
    if (done) throw new Error(`the child process ended before printing ${prefix.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('two processes sharing one SQLite file and one schedule', () => {
  it('retrain exactly once when both tick for the same occurrence', async () => {
    const { app, config } = await startTestApp(TEST_SETTINGS);
    const subset = path.join(config.dataDir, 'bank-subset.csv');
    writeNoisySubset(subset, 1500, 0, 5);
    const dataset = await app
      .get(DatasetsService)
      .importFile({ file: subset, name: 'subset', target: 'y', positiveLabel: 'yes' });
    const models = app.get(ModelsService);
    const job = await models.train('twin', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    expect((await models.waitForJob(job.id)).status).toBe('succeeded');
    const { body: schedule } = await request(app.getHttpServer())
      .post('/schedules')
      .send({
        modelName: 'twin',
        cron: '0 3 * * *',
        source: { kind: 'dataset', datasetId: dataset.id },
      })
      .expect(201);
    await app.close();

    const children = [0, 1].map(() =>
      startChild([config.databaseFile, schedule.id, '2026-03-02T03:00:00Z']),
    );
    let ready: string[];
    let results: string[];
    let codes: number[];
    try {
      ready = await Promise.all(children.map((c) => waitForLine(c.lines, 'READY ', c.exited)));
      // Both are up: let them tick at the same moment.
      children.forEach((c) => c.child.stdin.end('go\n'));
      results = await Promise.all(children.map((c) => waitForLine(c.lines, 'RESULT ', c.exited)));
      codes = await Promise.all(children.map((c) => c.exited));
    } finally {
      children.filter((c) => c.child.exitCode === null).forEach((c) => c.child.kill());
    }

    const reopened = await createApp(config);
    await readyApp(reopened);
    const runs: RetrainingRunView[] = (
      await request(reopened.getHttpServer()).get(`/schedules/${schedule.id}/runs`).expect(200)
    ).body;
    const versions = (await reopened.get(ModelsService).getModel('twin')).versions;
    await reopened.close();
    const made = results.map((r) => JSON.parse(r) as { instance: string; runs: { id: string }[] });

    expect(ready.map((r) => JSON.parse(r))).toEqual([{ active: true }, { active: true }]);
    expect(codes).toEqual([0, 0]);
    expect(made[0].instance).not.toBe(made[1].instance);
    expect(made.map((m) => m.runs.length).sort()).toEqual([0, 1]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      scheduledFor: '2026-03-02T03:00:00.000Z',
      trigger: 'schedule',
    });
    expect(['promoted', 'kept']).toContain(runs[0].status);
    expect(versions).toHaveLength(2);
    process.stdout.write(`two processes: one run (${runs[0].status}) by ${runs[0].holder}\n`);
  }, 300_000);
});
