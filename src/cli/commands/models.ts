import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Command, Option } from 'commander';
import { UserError } from '../../common/errors';
import { DatasetsService } from '../../modules/datasets/datasets.service';
import type { EvaluationReport } from '../../modules/models/evaluation';
import type { ModelVersionView, TrainingJobView } from '../../modules/models/model-views';
import { ModelsService } from '../../modules/models/models.service';
import { PluginRegistry } from '../../modules/models/plugin-registry.service';
import type { TrainRequest } from '../../modules/models/train-request';
import { renderTrainingReport } from '../../modules/reports/training-report';
import { GlobalOptions, withContext } from '../context';
import { formatNumber, printTable, progressBar } from '../output';
import { addImportOptions, importArgs, ImportOptions } from './datasets';
import { splitList, collectParam } from '../option-parsers';

interface TrainOptions extends ImportOptions {
  dataset?: string;
  data?: string;
  model: string;
  plugins: string[];
  param?: Record<string, Record<string, unknown>>;
  testShare?: number;
  seed?: number;
  calibration?: 'platt' | 'isotonic' | 'none';
  cv?: number;
  allowPersonalFeatures?: boolean;
  promote: 'best' | 'none';
  report?: string;
}

export function registerModelCommands(program: Command): void {
  addImportOptions(
    program
      .command('train')
      .description('train model plugins on a dataset and print a metrics table per plugin')
      .option('--dataset <id>', 'an imported dataset')
      .option('--data <file>', 'import this file first (with the import options below)')
      .option('--model <name>', 'the model the new versions belong to', 'response')
      .option('--plugins <ids>', 'comma-separated plugin ids', splitList, [
        'logistic',
        'svm',
        'neural',
      ])
      .option('--param <plugin.name=value...>', 'a hyperparameter, e.g. svm.C=0.5', collectParam)
      .option('--test-share <share>', 'share of rows held out for testing (default 0.2)', Number)
      .option('--seed <n>', 'seed for the split and training (default 42)', Number)
      .addOption(
        new Option('--calibration <method>', 'how scores are calibrated (default platt)').choices([
          'platt',
          'isotonic',
          'none',
        ]),
      )
      .option('--cv <folds>', 'k-fold cross-validation on the training split', Number)
      .option('--allow-personal-features', 'let personal columns be features (default: dropped)')
      .addOption(
        new Option('--promote <which>', 'best: promote the version with the best ROC AUC')
          .choices(['best', 'none'])
          .default('none'),
      )
      .option('--report <file.html>', 'also write ROC, gains, lift and calibration charts'),
  ).action(async (options: TrainOptions, command: Command) => {
    await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
      const job = await trainWithProgress(context, options);
      const versions = await Promise.all(
        resultVersions(job).map((v) => context.get(ModelsService).getVersion(job.modelName, v)),
      );
      printMetricsTable(versions);
      const promoted = (job.result as { promoted?: number | null } | null)?.promoted;
      if (promoted) {
        console.log(`Promoted ${job.modelName} version ${promoted} to champion.`);
      }
      if (options.report) {
        const dataset = await context.get(DatasetsService).get(job.datasetId);
        writeReport(options.report, job, versions, dataset.name);
        console.log(`Report written to ${path.resolve(options.report)}`);
      }
    });
  });

  program
    .command('models')
    .description('list models with their champion')
    .action(async (_options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const models = await context.get(ModelsService).listModels();
        printTable(
          ['model', 'versions', 'champion', 'plugin', 'ROC AUC'],
          models.map((m) => [
            m.name,
            m.versionCount,
            m.champion?.version ?? '—',
            m.champion?.pluginId ?? '—',
            formatNumber(m.champion?.metrics.rocAuc),
          ]),
        );
      });
    });

  program
    .command('model <name>')
    .description("show a model's versions and promotion history")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const model = await context.get(ModelsService).getModel(name);
        printTable(
          ['version', 'plugin', 'status', 'ROC AUC', 'PR AUC', 'log loss', 'F1', 'ECE', 'created'],
          model.versions.map((v) => [
            v.version,
            `${v.pluginId} ${v.pluginVersion}`,
            v.status,
            formatNumber(v.metrics.rocAuc),
            formatNumber(v.metrics.prAuc),
            formatNumber(v.metrics.logLoss),
            formatNumber(v.metrics.f1),
            formatNumber(v.metrics.expectedCalibrationError),
            v.createdAt,
          ]),
        );
        for (const p of model.promotions) {
          console.log(
            `${p.at}  ${p.action}: ${p.fromVersion ?? '—'} → ${p.toVersion}` +
              `${p.actor ? ` by ${p.actor}` : ''}${p.reason ? ` (${p.reason})` : ''}`,
          );
        }
      });
    });

  program
    .command('promote <name> <version>')
    .description('make a version the champion of its model')
    .option('--reason <text>', 'why, for the history')
    .action(
      async (name: string, version: string, options: { reason?: string }, command: Command) => {
        await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
          const promoted = await context
            .get(ModelsService)
            .promote(name, parseVersion(version), { reason: options.reason, actor: 'cli' });
          console.log(
            `${name} version ${promoted.version} (${promoted.pluginId}) is the champion.`,
          );
        });
      },
    );

  program
    .command('rollback <name>')
    .description('make the previous champion the champion again')
    .option('--reason <text>', 'why, for the history')
    .action(async (name: string, options: { reason?: string }, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const back = await context
          .get(ModelsService)
          .rollback(name, { reason: options.reason, actor: 'cli' });
        console.log(`${name} is back on version ${back.version} (${back.pluginId}).`);
      });
    });

  program
    .command('plugins')
    .description('list the model plugins and their hyperparameters')
    .action(async (_options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        for (const plugin of context.get(ModelsService).listPlugins()) {
          console.log(`${plugin.id} ${plugin.version} — ${plugin.displayName}`);
          console.log(`  ${plugin.description}`);
          const abilities = Object.entries(plugin.capabilities).filter(([, on]) => on);
          console.log(
            `  from ${plugin.source}, contract ${plugin.contractVersion ?? '—'}, ` +
              `capabilities: ${abilities.map(([name]) => name).join(', ') || 'none'}`,
          );
          const properties = plugin.hyperparameters.properties;
          for (const [key, spec] of Object.entries(properties)) {
            console.log(`  ${key}: ${JSON.stringify(spec.default)}  ${spec.description ?? ''}`);
          }
        }
        for (const failure of context.get(PluginRegistry).listFailures()) {
          console.log(`not loaded: ${failure.source} (${failure.code})`);
          console.log(`  ${failure.reason}`);
        }
      });
    });
}

/** Queues the training, draws a progress bar until it ends, and returns the finished job. */
export async function trainWithProgress(
  context: INestApplicationContext,
  options: TrainOptions,
): Promise<TrainingJobView> {
  const models = context.get(ModelsService);
  const settings: Omit<TrainRequest, 'datasetId'> = {
    plugins: options.plugins.map((id) => ({ id, params: options.param?.[id] })),
    testShare: options.testShare,
    seed: options.seed,
    calibration: options.calibration,
    cvFolds: options.cv,
    allowPersonalFeatures: options.allowPersonalFeatures,
    promote: options.promote,
  };
  // Before --data is imported: a mistake in the options leaves no dataset behind.
  models.checkTrainRequest(options.model, settings);
  const request: TrainRequest = { ...settings, datasetId: await resolveDataset(context, options) };
  const bar = progressBar(`train ${options.model}`);
  const queued = await models.train(options.model, request);
  const unsubscribe = models.onJobEvent((event) => {
    if (event.jobId === queued.id) {
      bar.update(event.progress, event.message ?? event.status);
    }
  });
  try {
    const job = await models.waitForJob(queued.id);
    if (job.status !== 'succeeded') {
      const error = job.error as { code?: string; message?: string } | null;
      throw new UserError(
        error?.code ?? `training_${job.status}`,
        `Training ${job.status}: ${error?.message ?? job.message ?? 'no reason recorded'}`,
      );
    }

    return job;
  } finally {
    unsubscribe();
    bar.stop();
  }
}

async function resolveDataset(
  context: INestApplicationContext,
  options: TrainOptions,
): Promise<string> {
  if (options.dataset) {
    return options.dataset;
  }
  if (!options.data) {
    throw new UserError('train_no_data', 'Name a dataset with --dataset ID or a file with --data.');
  }
  const bar = progressBar('import');
  const dataset = await context
    .get(DatasetsService)
    .importFile({
      ...importArgs(options.data, options),
      onProgress: (p) =>
        bar.update(
          (p.stage === 'scanning' ? 0 : 0.5) + (0.5 * p.bytes) / Math.max(1, p.totalBytes),
        ),
    })
    .finally(() => bar.stop());
  console.log(
    `Imported ${dataset.rowCount.toLocaleString('en-US')} customers as dataset ${dataset.id}` +
      ` (${dataset.badRowCount} bad rows left out).`,
  );

  return dataset.id;
}

function resultVersions(job: TrainingJobView): number[] {
  const versions = (job.result as { versions?: { version: number }[] } | null)?.versions ?? [];

  return versions.map((v) => v.version);
}

export function printMetricsTable(versions: ModelVersionView[]): void {
  printTable(
    [
      'plugin',
      'version',
      'ROC AUC',
      'PR AUC',
      'log loss',
      'Brier',
      'F1',
      'threshold',
      'mean p / rate',
      'ECE',
      'fit s',
    ],
    versions.map((v) => {
      const test = v.metrics.test as EvaluationReport;
      const timings = v.metrics.timings as { fitSeconds?: number } | undefined;

      return [
        v.pluginId,
        v.version,
        formatNumber(test.rocAuc),
        formatNumber(test.prAuc),
        formatNumber(test.logLoss),
        formatNumber(test.brier),
        formatNumber(test.f1),
        formatNumber(v.threshold, 3),
        `${formatNumber(test.meanPredicted, 3)} / ${formatNumber(test.positiveRate, 3)}`,
        formatNumber(test.expectedCalibrationError),
        formatNumber(timings?.fitSeconds, 2),
      ];
    }),
  );
}

function writeReport(
  file: string,
  job: TrainingJobView,
  versions: ModelVersionView[],
  datasetName: string,
): void {
  const html = renderTrainingReport({
    title: `Bullseye training report: ${job.modelName}`,
    createdAt: new Date(),
    datasetName,
    entries: versions.map((v) => ({
      pluginId: v.pluginId,
      version: v.version,
      fitSeconds: (v.metrics.timings as { fitSeconds?: number } | undefined)?.fitSeconds,
      metrics: v.metrics.test as EvaluationReport,
    })),
  });
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, html);
}

function parseVersion(value: string): number {
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1) {
    throw new UserError('version_invalid', `"${value}" is not a version number (1, 2, …).`);
  }

  return version;
}
