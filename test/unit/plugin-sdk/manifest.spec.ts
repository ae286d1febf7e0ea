import { UserError } from '../../../src/common/errors';
import {
  assertManifest,
  contractProblem,
  manifestProblems,
  parseSemver,
} from '../../../src/modules/models/plugin-manifest';
import { BUILT_IN_PLUGINS } from '../../../src/plugins';
import { CONTRACT_VERSION } from '../../../src/plugins/contract';

function manifest(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'prior',
    version: '1.2.0',
    contractVersion: '1.0.0',
    displayName: 'Positive rate',
    description: 'Predicts the share of positives.',
    hyperparameters: {
      type: 'object',
      properties: { smoothing: { type: 'number', minimum: 0, default: 1 } },
      additionalProperties: false,
    },
    capabilities: { sampleWeights: true },
    train: async () => undefined,
    deserialize: async () => undefined,
    ...changes,
  };
}

describe('plugin contract versions', () => {
  it('starts at 1.0.0', () => {
    expect(CONTRACT_VERSION).toBe('1.0.0');
    expect(parseSemver('1.10.3-beta.1+build.5')).toEqual({ major: 1, minor: 10, patch: 3 });
    expect(parseSemver('1.0')).toBeNull();
  });

  it('accepts the same major version with an older or equal minor version', () => {
    expect(contractProblem('1.0.0', '1.0.0')).toBeNull();
    expect(contractProblem('1.0.7', '1.0.0')).toBeNull();
    expect(contractProblem('1.1.0', '1.4.2')).toBeNull();
  });

  it('refuses another major version, or a newer minor version, saying what to do', () => {
    expect(contractProblem('2.0.0', '1.0.0')).toBe(
      'it was written for plugin contract 2.0.0, and this Bullseye implements 1.0.0; ' +
        'major versions differ, so rebuild the plugin against bullseye/plugin 1.x',
    );
    expect(contractProblem('0.9.0', '1.0.0')).toContain('major versions differ');
    expect(contractProblem('1.2.0', '1.1.0')).toBe(
      'it needs plugin contract 1.2.0, newer than the 1.1.0 this Bullseye implements; ' +
        'upgrade Bullseye',
    );
    expect(contractProblem(undefined)).toContain('is not a semantic version');
  });
});

describe('plugin manifests', () => {
  it('finds nothing wrong with the built-in plugins', () => {
    expect(BUILT_IN_PLUGINS.map((p) => [p.id, manifestProblems(p)])).toEqual([
      ['logistic', []],
      ['svm', []],
      ['neural', []],
    ]);
    expect(BUILT_IN_PLUGINS.map((p) => p.capabilities?.explain)).toEqual([true, true, true]);
  });

  it('names every problem by its JSON path', () => {
    const problems = manifestProblems(
      manifest({
        id: 'Prior Rate',
        version: 'one',
        displayName: '',
        contractVersion: undefined,
        capabilities: { explain: 'yes', streaming: true },
        deserialize: undefined,
      }),
    );

    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['$.contractVersion', "must have required property 'contractVersion'"],
      ['$.id', 'must match pattern "^[a-z][a-z0-9-]{0,39}$"'],
      ['$.version', expect.stringContaining('must match pattern')],
      ['$.displayName', 'must NOT have fewer than 1 characters'],
      ['$.capabilities.streaming', 'is not a known capability'],
      ['$.capabilities.explain', 'must be boolean'],
      ['$.deserialize', 'must be a function'],
    ]);
  });

  it('checks the hyperparameter schema and that each default satisfies its own schema', () => {
    const badDefaults = manifestProblems(
      manifest({
        hyperparameters: {
          type: 'object',
          properties: {
            smoothing: { type: 'number', minimum: 0, default: -1 },
            kernel: { type: 'string', enum: ['linear', 'rbf'], default: 'poly' },
            layers: { type: 'array', items: { type: 'integer' }, default: [8, 2.5] },
          },
        },
      }),
    );
    const notJsonSchema = manifestProblems(
      manifest({ hyperparameters: { type: 'object', properties: { C: { type: 'decimal' } } } }),
    );

    expect(badDefaults.map((p) => [p.path, p.message])).toEqual([
      ['$.hyperparameters.properties.smoothing.default', 'must be >= 0'],
      ['$.hyperparameters.properties.kernel.default', 'must be one of "linear", "rbf"'],
      ['$.hyperparameters.properties.layers.default[1]', 'must be integer'],
    ]);
    expect(notJsonSchema).toEqual([
      expect.objectContaining({
        path: '$.hyperparameters',
        message: expect.stringContaining('invalid hyperparameter schema'),
      }),
    ]);
  });

  it('throws a UserError with the problems as details', () => {
    let caught: unknown;
    try {
      assertManifest(manifest({ id: 7 }), 'plugin ./prior');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(UserError);
    expect(caught).toMatchObject({
      code: 'plugin_manifest_invalid',
      message: 'The manifest of plugin ./prior is invalid: $.id must be string',
      details: [{ path: '$.id', message: 'must be string' }],
    });
    expect(assertManifest(manifest())).toMatchObject({ id: 'prior' });
    expect(manifestProblems('prior')).toEqual([
      { path: '$', message: 'must be an object with a manifest, train and deserialize' },
    ]);
  });
});
