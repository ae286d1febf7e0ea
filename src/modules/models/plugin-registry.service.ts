import { Logger } from '@nestjs/common';
import { UserError } from '../../common/errors';
import type { HyperparameterSchema, ModelPlugin, PluginCapabilities } from '../../plugins/contract';
import { compileHyperparameters, HyperparameterValidator } from './hyperparameters';
import type { PluginLoadFailure } from './plugin-loader';
import { contractProblem } from './plugin-manifest';

/** What `GET /plugins` shows of a plugin. */
export interface PluginInfo {
  readonly id: string;
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly hyperparameters: HyperparameterSchema;
  readonly status: 'loaded';
  /** The plugin contract version the plugin declares; null for one that declares none. */
  readonly contractVersion: string | null;
  readonly capabilities: PluginCapabilities;
  /** `built-in`, `code` (registered by a program) or the `BULLSEYE_PLUGINS` entry. */
  readonly source: string;
}

interface Registered {
  readonly plugin: ModelPlugin<object>;
  readonly validate: HyperparameterValidator;
  readonly source: string;
}

const PLUGIN_ID = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * The loaded model plugins. Built-in plugins are registered when the module starts; others
 * can be added with `register`, which refuses a second plugin under an id already taken.
 */
export class PluginRegistry {
  private readonly logger = new Logger(PluginRegistry.name);
  private readonly plugins = new Map<string, Registered>();
  private readonly failures: PluginLoadFailure[] = [];

  constructor(plugins: readonly ModelPlugin<object>[] = []) {
    for (const plugin of plugins) {
      this.register(plugin, { source: 'built-in' });
    }
  }

  /**
   * Adds a plugin; returns a function that removes it again.
   *
   * @throws Error when the id is malformed or taken, the hyperparameter schema is invalid, or
   *   the declared contract version is one this host cannot run.
   */
  register(plugin: ModelPlugin<object>, options: { source?: string } = {}): () => void {
    if (!PLUGIN_ID.test(plugin.id)) {
      throw new Error(
        `Plugin id "${plugin.id}" must be lower-case letters, digits and dashes, ` +
          'starting with a letter (at most 40 characters).',
      );
    }
    const taken = this.plugins.get(plugin.id);
    if (taken) {
      throw new Error(
        `A plugin with id "${plugin.id}" is already registered (version ${taken.plugin.version}).`,
      );
    }
    const incompatible =
      plugin.contractVersion === undefined ? null : contractProblem(plugin.contractVersion);
    if (incompatible) {
      throw new Error(`Plugin "${plugin.id}" cannot be registered: ${incompatible}.`);
    }
    const entry = {
      plugin,
      validate: compileHyperparameters(plugin.id, plugin.hyperparameters),
      source: options.source ?? 'code',
    };
    this.plugins.set(plugin.id, entry);
    this.logger.debug(`Registered plugin ${plugin.id} ${plugin.version}`);

    return () => {
      if (this.plugins.get(plugin.id) === entry) {
        this.plugins.delete(plugin.id);
      }
    };
  }

  list(): PluginInfo[] {
    return [...this.plugins.values()].map(({ plugin, source }) => ({
      id: plugin.id,
      version: plugin.version,
      displayName: plugin.displayName,
      description: plugin.description,
      hyperparameters: plugin.hyperparameters,
      status: 'loaded' as const,
      contractVersion: plugin.contractVersion ?? null,
      capabilities: { ...plugin.capabilities },
      source,
    }));
  }

  /** Keeps a plugin that could not be loaded, so that `GET /plugins` can say why. */
  reportFailure(failure: PluginLoadFailure): void {
    this.failures.push(failure);
  }

  /** The configured plugins that did not load, in the order they were tried. */
  listFailures(): PluginLoadFailure[] {
    return [...this.failures];
  }

  /**
   * @param path JSON path of the plugin id in the caller's input, for the error.
   * @throws UserError `plugin_unknown` listing the ids that are known.
   */
  get(id: string, path = '$.id'): ModelPlugin<object> {
    return this.entry(id, path).plugin;
  }

  /**
   * Validates `params` against the plugin's schema and returns them with defaults applied.
   *
   * @param path JSON path of the params in the caller's input, e.g. `$.plugins[0].params`.
   * @throws UserError `plugin_params_invalid` with one detail per problem.
   */
  validateParams(id: string, params: unknown, path = '$.params'): Record<string, unknown> {
    return { ...this.entry(id, path.replace(/\.params$/, '.id')).validate(params, path) };
  }

  private entry(id: string, path: string): Registered {
    const entry = this.plugins.get(id);
    if (!entry) {
      const known = [...this.plugins.keys()];

      throw new UserError(
        'plugin_unknown',
        `Unknown plugin "${id}" at ${path}; known plugins: ${known.join(', ') || '(none)'}.`,
        400,
        [{ path, message: `must be one of ${known.join(', ')}`, known }],
      );
    }

    return entry;
  }
}
