/* eslint-disable @typescript-eslint/no-require-imports -- plugins are found at run time, by path */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { CancelledError, ErrorDetail, UserError, UserErrorStatus } from '../../common/errors';
import type { ModelPlugin, TrainedModel } from '../../plugins/contract';
import { assertManifest, contractProblem } from './plugin-manifest';
import type { PluginRegistry } from './plugin-registry.service';

/** Why one entry of `BULLSEYE_PLUGINS` is not among the loaded plugins. */
export interface PluginLoadFailure {
  readonly status: 'failed';
  /** The entry as configured: a package name or a directory. */
  readonly source: string;
  /** The plugin's id, when loading got far enough to read it. */
  readonly id: string | null;
  /**
   * `plugin_not_found`, `plugin_load_failed` (it threw), `plugin_export_missing`,
   * `plugin_manifest_invalid`, `plugin_contract_incompatible` or `plugin_id_taken`.
   */
  readonly code: string;
  readonly reason: string;
  readonly details: ErrorDetail[];
}

export interface PluginLoadReport {
  /** Ids of the plugins registered, in the order configured. */
  readonly loaded: string[];
  readonly failures: PluginLoadFailure[];
}

class LoadFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly id: string | null = null,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

const logger = new Logger('PluginLoader');

/**
 * Loads the configured third-party plugins into `registry`, one at a time. An entry that
 * cannot be found, throws while loading, exports no plugin, has an invalid manifest, was
 * written for another contract version or takes an id already in use is recorded in the
 * registry (and logged) and skipped; the others load regardless. Scoring and campaign runs
 * look plugins up in the same registry, so a loaded plugin's versions score like any other.
 */
export function loadPlugins(args: {
  readonly specs: readonly string[];
  readonly registry: PluginRegistry;
  /** Where relative directories and npm packages are looked for; the working directory. */
  readonly cwd?: string;
}): PluginLoadReport {
  const cwd = args.cwd ?? process.cwd();
  const report: PluginLoadReport = { loaded: [], failures: [] };

  for (const spec of args.specs) {
    try {
      const plugin = loadOne(spec, cwd, args.registry);
      args.registry.register(guardPlugin(plugin), { source: spec });
      report.loaded.push(plugin.id);
      logger.log(`Loaded plugin ${plugin.id} ${plugin.version} from ${spec}`);
    } catch (error) {
      const failure = toFailure(spec, error);
      report.failures.push(failure);
      args.registry.reportFailure(failure);
      logger.warn(`Plugin ${spec} was not loaded (${failure.code}): ${failure.reason}`);
    }
  }

  return report;
}

function loadOne(spec: string, cwd: string, registry: PluginRegistry): ModelPlugin<object> {
  const file = resolvePluginEntry(spec, cwd);
  let exported: unknown;
  try {
    exported = requireEntry(file);
  } catch (error) {
    throw new LoadFailure(
      'plugin_load_failed',
      `loading ${file} threw: ${firstLine(error)}`,
      null,
      [{ message: firstLine(error), path: file }],
    );
  }

  const candidate = pluginExport(exported);
  if (!candidate) {
    throw new LoadFailure(
      'plugin_export_missing',
      `${file} exports no plugin; export it as default (export default definePlugin({ … })) ` +
        'or as "plugin"',
    );
  }

  const id = typeof candidate.id === 'string' ? candidate.id : null;
  let plugin: ModelPlugin<object>;
  try {
    plugin = assertManifest(candidate, `plugin ${id ?? spec}`);
  } catch (error) {
    const details = error instanceof UserError ? error.details : [];
    throw new LoadFailure('plugin_manifest_invalid', (error as Error).message, id, details);
  }

  const incompatible = contractProblem(plugin.contractVersion);
  if (incompatible) {
    throw new LoadFailure('plugin_contract_incompatible', `plugin ${id}: ${incompatible}`, id, [
      { path: '$.contractVersion', message: incompatible },
    ]);
  }

  const taken = registry.list().find((p) => p.id === plugin.id);
  if (taken) {
    throw new LoadFailure(
      'plugin_id_taken',
      `id "${plugin.id}" is already used by the plugin from ${taken.source} ` +
        `(version ${taken.version}); plugin ids must be unique`,
      plugin.id,
      [{ path: '$.id', message: 'is already in use' }],
    );
  }

  return plugin;
}

/**
 * The file to load for one entry. A path (absolute, or starting with `./` or `../`) is a
 * plugin file or a directory; a directory loads its package.json `main` and, while that has
 * not been built, the TypeScript file named by `source`. Anything else is an npm package,
 * looked up from `cwd` the way `require` would.
 */
export function resolvePluginEntry(spec: string, cwd: string): string {
  if (!isPathSpec(spec)) {
    try {
      return require.resolve(spec, { paths: [cwd, __dirname] });
    } catch {
      throw new LoadFailure(
        'plugin_not_found',
        `npm package "${spec}" is not installed where Bullseye runs (${cwd}); install it ` +
          `there (npm install ${spec}) or give a directory (./path or an absolute path)`,
      );
    }
  }

  const target = path.resolve(cwd, spec);
  if (!fs.existsSync(target)) {
    throw new LoadFailure('plugin_not_found', `there is no file or directory ${target}`);
  }

  if (fs.statSync(target).isFile()) {
    return target;
  }

  const manifestFile = path.join(target, 'package.json');
  const pkg = fs.existsSync(manifestFile) ? readPackage(manifestFile) : {};
  const main = existingFile(target, typeof pkg.main === 'string' ? pkg.main : 'index');
  const source = typeof pkg.source === 'string' ? existingFile(target, pkg.source) : null;
  const entry = main ?? source;
  if (!entry) {
    throw new LoadFailure(
      'plugin_not_found',
      `${target} has no entry file: package.json "main" (${pkg.main ?? 'index'}) does not ` +
        'exist; build the plugin, or name its TypeScript entry in package.json "source"',
    );
  }

  return entry;
}

/** The plugin a module exports: `default`, `plugin`, or the module itself. */
export function pluginExport(exported: unknown): Record<string, unknown> | null {
  if (typeof exported !== 'object' || exported === null) {
    return null;
  }

  const namespace = exported as Record<string, unknown>;
  for (const candidate of [namespace.default, namespace.plugin, namespace]) {
    if (typeof candidate === 'object' && candidate !== null && 'id' in candidate) {
      return candidate as Record<string, unknown>;
    }
  }

  return null;
}

/**
 * Wraps a third-party plugin so that the errors it throws are the host's own classes. A
 * plugin resolving its own copy of `bullseye/plugin` throws a `UserError` or
 * `CancelledError` the host's `instanceof` checks do not recognise; it would be reported as
 * an internal error instead of the plugin's code, or a cancellation as a failure.
 */
export function guardPlugin(plugin: ModelPlugin<object>): ModelPlugin<object> {
  return {
    id: plugin.id,
    version: plugin.version,
    contractVersion: plugin.contractVersion,
    displayName: plugin.displayName,
    description: plugin.description,
    hyperparameters: plugin.hyperparameters,
    capabilities: plugin.capabilities,
    train: async (args) => guardModel(plugin.id, await hostErrors(() => plugin.train(args))),
    deserialize: async (args) =>
      guardModel(plugin.id, await hostErrors(() => plugin.deserialize(args))),
  };
}

function guardModel(pluginId: string, model: TrainedModel): TrainedModel {
  if (
    typeof model !== 'object' ||
    model === null ||
    typeof model.predict !== 'function' ||
    typeof model.serialize !== 'function'
  ) {
    throw new UserError(
      'plugin_model_invalid',
      `Plugin "${pluginId}" returned something that is not a trained model (it needs predict ` +
        'and serialize methods); fix the plugin.',
      422,
    );
  }

  const guarded: TrainedModel = {
    predict: (args) => hostErrors(() => model.predict(args)),
    serialize: () => hostErrors(() => model.serialize()),
    dispose: () => model.dispose?.(),
    get summary() {
      return model.summary;
    },
  };

  return typeof model.explain === 'function'
    ? { ...guarded, explain: (args) => hostErrors(() => model.explain!(args)) }
    : guarded;
}

async function hostErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asHostError(error);
  }
}

/** A foreign `UserError` or `CancelledError`, recognised by name, as the host's class. */
export function asHostError(error: unknown): unknown {
  if (error instanceof UserError || error instanceof CancelledError || !(error instanceof Error)) {
    return error;
  }

  if (error.name === 'CancelledError') {
    return new CancelledError(error.message);
  }

  const { code, status, details } = error as Partial<UserError>;
  if (error.name === 'UserError' && typeof code === 'string') {
    const known: UserErrorStatus[] = [400, 404, 409, 413, 415, 422];

    return new UserError(
      code,
      error.message,
      known.includes(status as UserErrorStatus) ? (status as UserErrorStatus) : 422,
      Array.isArray(details) ? details : [],
    );
  }

  return error;
}

function isPathSpec(spec: string): boolean {
  return path.isAbsolute(spec) || /^\.\.?([\\/]|$)/.test(spec);
}

function readPackage(file: string): { main?: unknown; source?: unknown } {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { main?: unknown; source?: unknown };
  } catch (error) {
    throw new LoadFailure('plugin_load_failed', `${file} is not valid JSON: ${firstLine(error)}`);
  }
}

/** `name` inside `dir` as `require` would find it: as is, with an extension, or an index. */
function existingFile(dir: string, name: string): string | null {
  const base = path.resolve(dir, name);
  const candidates = [base, `${base}.js`, `${base}.ts`, path.join(base, 'index.js')];
  candidates.push(path.join(base, 'index.ts'));

  return candidates.find((file) => fs.existsSync(file) && fs.statSync(file).isFile()) ?? null;
}

function requireEntry(file: string): unknown {
  if (/\.[cm]?ts$/.test(file)) {
    registerTypeScript();
  }

  return require(file);
}

/**
 * Node's own loader cannot run TypeScript; ts-node (a Bullseye dependency) compiles plugin
 * sources as they load. A loader that is not Node's (Jest's) transforms them itself and
 * leaves `require.extensions` empty.
 */
function registerTypeScript(): void {
  const extensions = require.extensions;
  if ('.js' in extensions && !('.ts' in extensions)) {
    (require('ts-node') as typeof import('ts-node')).register({
      transpileOnly: true,
      skipProject: true,
      compilerOptions: { module: 'commonjs', target: 'es2022', esModuleInterop: true },
    });
  }
}

function toFailure(spec: string, error: unknown): PluginLoadFailure {
  if (error instanceof LoadFailure) {
    return {
      status: 'failed',
      source: spec,
      id: error.id,
      code: error.code,
      reason: error.message,
      details: error.details,
    };
  }

  return {
    status: 'failed',
    source: spec,
    id: null,
    code: 'plugin_load_failed',
    reason: firstLine(error),
    details: [],
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);

  return text.split('\n')[0];
}
