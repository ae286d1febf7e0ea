import { Logger } from '@nestjs/common';
import { UserError } from '../../../src/common/errors';
import { PluginRegistry } from '../../../src/modules/models/plugin-registry.service';
import { normaliseTrainRequest } from '../../../src/modules/models/train-request';
import { BUILT_IN_PLUGINS } from '../../../src/plugins';
import { fakeLinearPlugin } from './fake-plugins';

function caught(work: () => unknown): UserError {
  try {
    work();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

Logger.overrideLogger(false);

describe('PluginRegistry', () => {
  const registry = new PluginRegistry([fakeLinearPlugin()]);

  it('fills in defaults without changing the given params', () => {
    const given = { epochs: 10 };

    expect(registry.validateParams('fake-linear', given)).toEqual({
      epochs: 10,
      learningRate: 0.5,
    });
    expect(registry.validateParams('fake-linear', undefined)).toEqual({
      epochs: 200,
      learningRate: 0.5,
    });
    expect(given).toEqual({ epochs: 10 });
  });

  it('reports every bad hyperparameter with its JSON path', () => {
    const error = caught(() =>
      registry.validateParams(
        'fake-linear',
        { epochs: 0, learningRate: '0.1', momentum: 0.9 },
        '$.plugins[2].params',
      ),
    );

    expect(error.code).toBe('plugin_params_invalid');
    expect(error.status).toBe(400);
    expect(error.details.map((d) => [d.path, d.message])).toEqual(
      expect.arrayContaining([
        ['$.plugins[2].params.epochs', 'must be >= 1'],
        // No coercion: the string "0.1" is reported, not converted.
        ['$.plugins[2].params.learningRate', 'must be number'],
        ['$.plugins[2].params.momentum', 'is not a known hyperparameter'],
      ]),
    );
    expect(error.details).toHaveLength(3);
    expect(error.message).toContain('$.plugins[2].params.learningRate must be number');
  });

  it('names array items and enum choices of the built-in plugins', () => {
    const builtIn = new PluginRegistry(BUILT_IN_PLUGINS);
    const neural = caught(() =>
      builtIn.validateParams('neural', { hiddenLayers: [32, 0] }, '$.plugins[0].params'),
    );
    const svm = caught(() =>
      builtIn.validateParams('svm', { kernel: 'poly', gamma: 0 }, '$.plugins[1].params'),
    );

    expect(neural.details.map((d) => d.path)).toEqual(['$.plugins[0].params.hiddenLayers[1]']);
    expect(svm.details.map((d) => [d.path, d.message])).toEqual([
      ['$.plugins[1].params.kernel', 'must be one of "linear", "rbf"'],
      ['$.plugins[1].params.gamma', 'must be > 0'],
    ]);
    expect(builtIn.validateParams('svm', { gamma: null })).toMatchObject({ C: 1, gamma: null });
  });

  it('answers an unknown plugin id with the known ones', () => {
    const error = caught(() => registry.get('xgboost', '$.plugins[0].id'));

    expect(error.code).toBe('plugin_unknown');
    expect(error.details[0]).toMatchObject({ path: '$.plugins[0].id', known: ['fake-linear'] });
    expect(error.message).toContain('known plugins: fake-linear');
  });

  it('lists the built-in plugins with their schemas', () => {
    const list = new PluginRegistry(BUILT_IN_PLUGINS).list();

    expect(list.map((p) => p.id)).toEqual(['logistic', 'svm', 'neural']);
    expect(list[0].hyperparameters.properties.C).toMatchObject({ type: 'number', default: 1 });
    expect(list.every((p) => /^\d+\.\d+\.\d+$/.test(p.version))).toBe(true);
  });

  it('registers a third-party plugin once, and unregisters it', () => {
    const local = new PluginRegistry([]);
    const unregister = local.register(fakeLinearPlugin({ id: 'uplift' }));

    expect(() => local.register(fakeLinearPlugin({ id: 'uplift' }))).toThrow(/already registered/);
    expect(() => local.register(fakeLinearPlugin({ id: 'Bad Id' }))).toThrow(/lower-case/);
    expect(local.list().map((p) => p.id)).toEqual(['uplift']);

    unregister();

    expect(local.list()).toEqual([]);
  });

  it('refuses a plugin whose hyperparameter schema is not valid JSON Schema', () => {
    const broken = {
      ...fakeLinearPlugin({ id: 'broken' }),
      hyperparameters: { type: 'object' as const, properties: { C: { type: 'decimal' } } },
    };

    expect(() => new PluginRegistry([broken])).toThrow(/invalid hyperparameter schema/);
  });
});

describe('normaliseTrainRequest', () => {
  const registry = new PluginRegistry([fakeLinearPlugin()]);

  it('fills in the training defaults and the plugin defaults', () => {
    const request = normaliseTrainRequest(
      { datasetId: 'd1', plugins: [{ id: 'fake-linear' }] },
      registry,
    );

    expect(request).toEqual({
      datasetId: 'd1',
      plugins: [{ id: 'fake-linear', params: { epochs: 200, learningRate: 0.5 } }],
      options: {
        testShare: 0.2,
        seed: 42,
        calibration: 'platt',
        calibrationShare: 0.2,
        preprocessing: {},
        cvFolds: 0,
      },
      promote: 'none',
    });
  });

  it('reports bad fields together with their JSON paths', () => {
    const error = caught(() =>
      normaliseTrainRequest(
        {
          datasetId: 'd1',
          plugins: [{ id: 'fake-linear' }],
          testShare: 0.9,
          cvFolds: 1,
          preprocessing: { outliers: 'remove' } as never,
        },
        registry,
      ),
    );

    expect(error.code).toBe('training_request_invalid');
    expect(error.details.map((d) => d.path)).toEqual([
      '$.testShare',
      '$.cvFolds',
      '$.preprocessing.outliers',
    ]);
  });

  it('names the plugin entry whose params are wrong', () => {
    const error = caught(() =>
      normaliseTrainRequest(
        {
          datasetId: 'd1',
          plugins: [{ id: 'fake-linear' }, { id: 'fake-linear', params: { epochs: -1 } }],
        },
        registry,
      ),
    );

    expect(error.code).toBe('plugin_params_invalid');
    expect(error.details[0].path).toBe('$.plugins[1].params.epochs');
  });
});
