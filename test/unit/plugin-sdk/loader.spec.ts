import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { CancelledError, UserError } from '../../../src/common/errors';
import {
  asHostError,
  guardPlugin,
  loadPlugins,
  pluginExport,
  resolvePluginEntry,
} from '../../../src/modules/models/plugin-loader';
import { PluginRegistry } from '../../../src/modules/models/plugin-registry.service';
import { BUILT_IN_PLUGINS } from '../../../src/plugins';
import type { ModelPlugin } from '../../../src/plugins/contract';

Logger.overrideLogger(false);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-loader-'));

/** Writes files under `root/name` and returns the folder. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }

  return dir;
}

/** A CommonJS plugin module that predicts ½ for every row. */
function pluginModule(manifest: Record<string, unknown> = {}): string {
  const fields = JSON.stringify({
    id: 'half',
    version: '1.0.0',
    contractVersion: '1.0.0',
    displayName: 'One half',
    description: 'Predicts 0.5.',
    hyperparameters: { type: 'object', properties: {} },
    ...manifest,
  });

  return `
    const model = {
      predict: async ({ features }) => new Float64Array(features.rows).fill(0.5),
      serialize: async () => ({ format: 'half/1', data: {} }),
    };
    exports.default = {
      ...${fields},
      train: async () => model,
      deserialize: async () => model,
    };
  `;
}

function load(specs: string[], cwd = root) {
  const registry = new PluginRegistry(BUILT_IN_PLUGINS);
  const report = loadPlugins({ specs, registry, cwd });

  return { registry, report, failures: report.failures.map((f) => [f.source, f.code, f.id]) };
}

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('loadPlugins', () => {
  it('loads a directory through its package.json main, remembering where it came from', () => {
    const dir = folder('built', {
      'package.json': JSON.stringify({ name: 'half', main: 'dist/index.js' }),
      'dist/index.js': pluginModule(),
    });
    const { registry, report } = load([dir]);

    expect(report).toEqual({ loaded: ['half'], failures: [] });
    expect(registry.list().map((p) => [p.id, p.source, p.contractVersion])).toEqual([
      ['logistic', 'built-in', '1.0.0'],
      ['svm', 'built-in', '1.0.0'],
      ['neural', 'built-in', '1.0.0'],
      ['half', dir, '1.0.0'],
    ]);
  });

  it('loads the TypeScript source named in package.json while main is not built', () => {
    const dir = folder('unbuilt', {
      'package.json': JSON.stringify({ main: 'dist/index.js', source: 'src/index.ts' }),
      'src/index.ts': `
        import { definePlugin, FeatureMatrix } from 'bullseye/plugin';
        const model = {
          predict: async ({ features }: { features: FeatureMatrix }) =>
            new Float64Array(features.rows).fill(0.25),
          serialize: async () => ({ format: 'quarter/1', data: {} }),
        };
        export default definePlugin({
          id: 'quarter', version: '0.1.0', contractVersion: '1.0.0',
          displayName: 'A quarter', description: 'Predicts 0.25.',
          hyperparameters: { type: 'object', properties: {} },
          train: async () => model,
          deserialize: async () => model,
        });
      `,
    });

    expect(resolvePluginEntry(dir, root)).toBe(path.join(dir, 'src/index.ts'));
    expect(load([dir]).report.loaded).toEqual(['quarter']);
  });

  it('resolves relative directories and plugin files against the working directory', () => {
    folder('relative', { 'index.js': pluginModule({ id: 'relative' }) });
    folder('single', { 'my-plugin.js': pluginModule({ id: 'single-file' }) });

    expect(load(['./relative', './single/my-plugin.js']).report.loaded).toEqual([
      'relative',
      'single-file',
    ]);
  });

  it('reports each plugin that fails, why, and loads the others', () => {
    const good = folder('good', { 'index.js': pluginModule({ id: 'good' }) });
    const throwing = folder('throwing', {
      'index.js': "throw new Error('licence server unreachable');",
    });
    const empty = folder('empty', { 'index.js': 'exports.answer = 42;' });
    const invalid = folder('invalid', {
      'index.js': pluginModule({ id: 'invalid', displayName: '', capabilities: { fly: true } }),
    });
    const future = folder('future', {
      'index.js': pluginModule({ id: 'future', contractVersion: '2.0.0' }),
    });
    const clash = folder('clash', { 'index.js': pluginModule({ id: 'logistic' }) });
    const { registry, report, failures } = load([
      throwing,
      empty,
      invalid,
      future,
      clash,
      good,
      good,
      path.join(root, 'missing'),
      'bullseye-plugin-not-installed',
    ]);

    expect(report.loaded).toEqual(['good']);
    expect(failures).toEqual([
      [throwing, 'plugin_load_failed', null],
      [empty, 'plugin_export_missing', null],
      [invalid, 'plugin_manifest_invalid', 'invalid'],
      [future, 'plugin_contract_incompatible', 'future'],
      [clash, 'plugin_id_taken', 'logistic'],
      [good, 'plugin_id_taken', 'good'],
      [path.join(root, 'missing'), 'plugin_not_found', null],
      ['bullseye-plugin-not-installed', 'plugin_not_found', null],
    ]);
    const reasons = report.failures.map((f) => f.reason);
    expect(reasons[0]).toBe(
      `loading ${path.join(throwing, 'index.js')} threw: licence server unreachable`,
    );
    expect(report.failures[2].details.map((d) => d.path)).toEqual([
      '$.displayName',
      '$.capabilities.fly',
    ]);
    expect(reasons[3]).toContain('major versions differ');
    expect(reasons[4]).toBe(
      'id "logistic" is already used by the plugin from built-in (version 1.0.0); ' +
        'plugin ids must be unique',
    );
    expect(reasons[5]).toContain(`already used by the plugin from ${good}`);
    expect(reasons[7]).toContain('npm install bullseye-plugin-not-installed');
    expect(registry.listFailures()).toEqual(report.failures);
  });
});

describe('pluginExport', () => {
  it('takes the default export, a "plugin" export or the module itself', () => {
    const plugin = { id: 'x' };

    expect(pluginExport({ default: plugin })).toBe(plugin);
    expect(pluginExport({ plugin })).toBe(plugin);
    expect(pluginExport(plugin)).toBe(plugin);
    expect(pluginExport({ tools: {} })).toBeNull();
    expect(pluginExport(() => plugin)).toBeNull();
  });
});

describe('guardPlugin', () => {
  // What a plugin with its own copy of the SDK throws: same names, other classes.
  class ForeignUserError extends Error {
    override name = 'UserError';
    constructor(
      readonly code: string,
      message: string,
      readonly status: number,
    ) {
      super(message);
    }
  }

  function plugin(train: ModelPlugin<object>['train']): ModelPlugin<object> {
    return { ...(BUILT_IN_PLUGINS[0] as ModelPlugin<object>), id: 'foreign', train };
  }
  const args = {
    features: { rows: 0, cols: 0, values: new Float64Array(0) },
    labels: new Uint8Array(0),
    featureNames: [],
    params: {},
    seed: 1,
  };

  it("turns a foreign plugin's errors into the host's classes", async () => {
    const refused = guardPlugin(
      plugin(async () => {
        throw new ForeignUserError('training_set_empty', 'No rows.', 999);
      }),
    );
    const stopped = guardPlugin(
      plugin(async () => {
        throw Object.assign(new Error('Stopped.'), { name: 'CancelledError' });
      }),
    );

    await expect(refused.train(args)).rejects.toEqual(
      new UserError('training_set_empty', 'No rows.', 422),
    );
    await expect(refused.train(args)).rejects.toBeInstanceOf(UserError);
    await expect(stopped.train(args)).rejects.toBeInstanceOf(CancelledError);
    expect(asHostError(new TypeError('x'))).toBeInstanceOf(TypeError);
  });

  it('refuses a training that returns something other than a model', async () => {
    const junk = guardPlugin(plugin(async () => ({ weights: [1] }) as never));

    await expect(junk.train(args)).rejects.toMatchObject({ code: 'plugin_model_invalid' });
  });
});
