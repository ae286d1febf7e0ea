import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { UserError } from '../../../src/common/errors';
import { openDatabase } from '../../../src/database/data-source';
import { ModelRegistryService } from '../../../src/modules/models/model-registry.service';
import { PluginRegistry } from '../../../src/modules/models/plugin-registry.service';
import { stratifiedSplit } from '../../../src/modules/models/evaluation';
import { trainModel, TrainingOutcome } from '../../../src/modules/models/training';
import { fakeLinearPlugin, syntheticCustomers } from './fake-plugins';

const data = syntheticCustomers(1500);
const plugin = fakeLinearPlugin();

Logger.overrideLogger(false);

describe('ModelRegistryService on a SQLite file', () => {
  let dataSource: DataSource;
  let registry: ModelRegistryService;
  let good: TrainingOutcome;
  let weak: TrainingOutcome;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-registry-'));
    dataSource = await openDatabase({ databaseFile: path.join(dir, 'registry.sqlite') });
    registry = new ModelRegistryService(dataSource, new PluginRegistry([plugin]), {
      lookupCacheMs: 60_000,
    });
    good = await trainModel({ data, plugin, params: { epochs: 300, learningRate: 0.5 } });
    weak = await trainModel({ data, plugin, params: { epochs: 1, learningRate: 0.001 } });
  });

  afterAll(async () => {
    await registry.onModuleDestroy();
    await dataSource.destroy();
  });

  const store = (modelName: string, outcomes: TrainingOutcome[], promote: 'best' | 'none') =>
    registry.createVersions({
      modelName,
      datasetId: 'dataset-1',
      trainingJobId: `job-${modelName}`,
      outcomes,
      promote,
    });

  it('numbers versions per model and promotes the best test ROC AUC when asked', async () => {
    const created = await store('response', [weak, good], 'best');
    const again = await store('response', [weak], 'none');
    const other = await store('churn', [good], 'none');
    const model = await registry.getModel('response');

    expect(created.map((v) => v.version)).toEqual([1, 2]);
    expect(again.map((v) => v.version)).toEqual([3]);
    expect(other.map((v) => v.version)).toEqual([1]);
    expect(model.champion).toBe(2);
    expect(model.versions.map((v) => [v.version, v.status])).toEqual([
      [3, 'candidate'],
      [2, 'champion'],
      [1, 'candidate'],
    ]);
    expect(model.promotions).toEqual([
      expect.objectContaining({ action: 'promote', fromVersion: null, toVersion: 2 }),
    ]);
    expect(model.promotions[0].reason).toContain('best test ROC AUC');
  });

  it('promotes and rolls back in the database, keeping the history', async () => {
    await registry.promote('response', 3, { actor: 'maria', reason: 'try the new one' });
    await registry.promote('response', 1, { actor: 'maria' });

    const back = await registry.rollback('response', { actor: 'maria' });
    expect(back.version).toBe(3);
    expect(back.status).toBe('champion');

    const again = await registry.rollback('response');
    expect(again.version).toBe(2);

    const model = await registry.getModel('response');
    expect(model.versions.map((v) => [v.version, v.status])).toEqual([
      [3, 'retired'],
      [2, 'champion'],
      [1, 'retired'],
    ]);
    expect(model.promotions.map((p) => [p.action, p.fromVersion, p.toVersion])).toEqual([
      ['promote', null, 2],
      ['promote', 2, 3],
      ['promote', 3, 1],
      ['rollback', 1, 3],
      ['rollback', 3, 2],
    ]);
    await expect(registry.rollback('response')).rejects.toMatchObject({
      code: 'rollback_unavailable',
      status: 409,
    });
  });

  it('leaves the champion alone when a promotion fails', async () => {
    await expect(registry.promote('response', 9)).rejects.toMatchObject({
      code: 'model_version_not_found',
      status: 404,
    });
    await expect(registry.promote('nobody', 1)).rejects.toMatchObject({
      code: 'model_not_found',
    });
    await expect(registry.promote('response', 2)).rejects.toMatchObject({
      code: 'version_already_champion',
    });

    expect((await registry.getModel('response')).champion).toBe(2);
  });

  it('lets the schema hold at most one champion per model', async () => {
    const promoteAnother = dataSource.query(
      `UPDATE model_versions SET status = 'champion' WHERE model_name = 'response' AND version = 1`,
    );

    await expect(promoteAnother).rejects.toThrow(/UNIQUE constraint failed/);
  });

  it('scores with the champion by default and caches the scorer per version', async () => {
    const split = stratifiedSplit(data.labels, { testShare: 0.2, seed: 42 });
    const rows = Array.from(split.test, (i) => data.records[i]);
    const scorer = await registry.loadScorer('response');
    const probabilities = await scorer.score(rows);
    const mean = probabilities.reduce((a, b) => a + b, 0) / probabilities.length;
    const version = await registry.getVersion('response', 2);

    expect(scorer.version).toBe(2);
    expect(scorer.featureNames).toEqual(version.featureNames);
    expect(mean).toBeCloseTo(good.metrics.test.meanPredicted, 12);
    expect(await registry.loadScorer('response', 2)).toBe(scorer);
    expect((await registry.loadScorer('response', 1)).version).toBe(1);
    await expect(registry.loadScorer('churn')).rejects.toMatchObject({
      code: 'model_no_champion',
      status: 409,
    });
    await expect(registry.loadScorer('response', 7)).rejects.toBeInstanceOf(UserError);
  });

  it('scores with a new champion at once after a promotion here, and trusts its lookup', async () => {
    expect((await registry.loadScorer('response')).version).toBe(2);
    await registry.promote('response', 3);
    expect((await registry.loadScorer('response')).version).toBe(3);

    // A promotion written by another process is not seen until the lookup expires (60 s
    // here); a second registry with lookups off sees it at once.
    await dataSource.query(
      `UPDATE model_versions SET status = 'retired' WHERE model_name = 'response' AND version = 3`,
    );
    await dataSource.query(
      `UPDATE model_versions SET status = 'champion' WHERE model_name = 'response' AND version = 2`,
    );
    const uncached = new ModelRegistryService(dataSource, new PluginRegistry([plugin]), {
      lookupCacheMs: 0,
    });
    expect((await registry.loadScorer('response')).version).toBe(3);
    expect((await uncached.loadScorer('response')).version).toBe(2);
    await uncached.onModuleDestroy();

    await registry.promote('response', 3);
    await registry.promote('response', 2);
    expect((await registry.loadScorer('response')).version).toBe(2);
  });

  it('lists models with their champion', async () => {
    const list = await registry.listModels();

    expect(list.map((m) => [m.name, m.versionCount, m.latestVersion, m.champion?.version])).toEqual(
      [
        ['churn', 1, 1, undefined],
        ['response', 3, 3, 2],
      ],
    );
    expect(list[1].champion?.metrics.rocAuc).toBeCloseTo(good.metrics.test.rocAuc, 12);
  });
});
