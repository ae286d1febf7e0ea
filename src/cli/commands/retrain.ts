import { INestApplicationContext } from '@nestjs/common';
import { Command, InvalidArgumentError } from 'commander';
import { DriftService } from '../../modules/scheduling/drift.service';
import { SchedulesService } from '../../modules/scheduling/schedules.service';
import type { RetrainingRunView, ScheduleView } from '../../modules/scheduling/scheduling-views';
import { GlobalOptions, withContext } from '../context';
import { formatNumber, printTable } from '../output';
import { splitList, collectParam } from '../option-parsers';

/** The schedule options shared by `schedule create` and `schedule update`. */
interface SettingOptions {
  model?: string;
  cron?: string;
  timeZone?: string;
  dataset?: string;
  plugins?: string[];
  param?: Record<string, Record<string, unknown>>;
  championPlugin?: boolean;
  metric?: string;
  margin?: number;
  minRows?: number;
  bothClasses?: 'yes' | 'no';
  maxEceIncrease?: number;
  onDrift?: number | true;
  always?: boolean;
  testShare?: number;
  enable?: boolean;
  disable?: boolean;
}

/**
 * `bullseye schedules`, `bullseye schedule create|update|delete|runs`, `bullseye retrain`
 * and `bullseye drift`: retraining schedules, on-demand retraining and drift reports.
 */
export function registerRetrainCommands(program: Command): void {
  program
    .command('schedules')
    .description('list retraining schedules')
    .action(async (_options: unknown, command: Command) => {
      await inContext(command, async (context) => {
        printSchedules(await context.get(SchedulesService).list());
      });
    });

  const schedule = program
    .command('schedule')
    .description('create, change or delete the retraining schedule of a model');

  settingOptions(
    schedule
      .command('create')
      .description('retrain a model on a cron schedule, promoting a challenger that does better')
      .requiredOption('--model <name>', 'the model to retrain')
      .requiredOption('--cron <expression>', 'when, e.g. "0 3 * * *" (daily at 03:00)')
      .requiredOption('--dataset <id>', 'the dataset to retrain on'),
  ).action(async (options: SettingOptions, command: Command) => {
    await inContext(command, async (context) => {
      const created = await context.get(SchedulesService).create(settingsBody(options));
      console.log(`Created retraining schedule ${created.id} for model ${created.modelName}.`);
      printSchedules([created]);
    });
  });

  settingOptions(
    schedule
      .command('update <id>')
      .description('change a retraining schedule; only the options given change')
      .option('--cron <expression>', 'when, e.g. "0 3 * * *"')
      .option('--dataset <id>', 'the dataset to retrain on'),
  ).action(async (id: string, options: SettingOptions, command: Command) => {
    await inContext(command, async (context) => {
      const updated = await context.get(SchedulesService).update(id, settingsBody(options));
      console.log(`Changed retraining schedule ${updated.id}.`);
      printSchedules([updated]);
    });
  });

  schedule
    .command('delete <id>')
    .description('delete a retraining schedule (its runs are kept)')
    .action(async (id: string, _options: unknown, command: Command) => {
      await inContext(command, async (context) => {
        await context.get(SchedulesService).remove(id);
        console.log(`Deleted retraining schedule ${id}.`);
      });
    });

  schedule
    .command('runs <id>')
    .description("list a schedule's retraining runs, newest first")
    .option('--limit <n>', 'how many', toInteger, 20)
    .action(async (id: string, options: { limit: number }, command: Command) => {
      await inContext(command, async (context) => {
        printRuns(await context.get(SchedulesService).listRuns(id, options.limit));
      });
    });

  program
    .command('retrain <model>')
    .description("retrain a model now with its schedule's settings and print the comparison")
    .action(async (model: string, _options: unknown, command: Command) => {
      await inContext(command, async (context) => {
        const { run, done } = await context.get(SchedulesService).retrainModel(model, 'cli');
        console.log(`Retraining run ${run.id} started for model ${model}.`);
        const finished = await done;
        printRuns([finished]);
        console.log(`${finished.status}: ${finished.reason ?? ''}`);
        if (finished.status === 'failed') {
          process.exitCode = 1;
        }
      });
    });

  program
    .command('drift <model>')
    .description("show a model's latest drift reports (PSI of the scores and of each feature)")
    .option('--limit <n>', 'how many reports', toInteger, 5)
    .action(async (model: string, options: { limit: number }, command: Command) => {
      await inContext(command, async (context) => {
        const reports = await context.get(DriftService).listReports(model, options.limit);
        printTable(
          ['created', 'version', 'customers', 'score PSI', 'top feature', 'its PSI'],
          reports.map((r) => [
            r.createdAt,
            r.modelVersion,
            r.rows,
            formatNumber(r.scorePsi),
            r.maxFeature ?? '—',
            formatNumber(r.maxFeaturePsi),
          ]),
        );
      });
    });
}

function settingOptions(command: Command): Command {
  return command
    .option('--time-zone <zone>', 'IANA time zone of the cron expression (default UTC)')
    .option('--plugins <ids>', "comma-separated plugin ids (default: the champion's)", splitList)
    .option('--param <plugin.name=value...>', 'a hyperparameter, e.g. svm.C=0.5', collectParam)
    .option('--champion-plugin', "train with the champion's plugin and parameters again")
    .option('--metric <name>', 'rocAuc, prAuc, logLoss or brier (default rocAuc)')
    .option('--margin <x>', 'how much better a challenger must be (default 0.002)', Number)
    .option('--min-rows <n>', 'fewest labelled rows to train on (default 1000)', toInteger)
    .option('--both-classes <yes|no>', 'refuse rows with one outcome only (default yes)')
    .option(
      '--max-ece-increase <x>',
      'calibration error a challenger may add (default 0.02)',
      Number,
    )
    .option(
      '--on-drift [threshold]',
      'retrain only when drift exceeds the PSI (default 0.2)',
      Number,
    )
    .option('--always', 'retrain at every tick, drift or not')
    .option('--test-share <share>', 'share of rows held out to compare on (default 0.2)', Number)
    .option('--enable', 'run the schedule')
    .option('--disable', 'keep the schedule but do not run it');
}

/** The options as the JSON body the API takes; only the options given. */
function settingsBody(o: SettingOptions): Record<string, unknown> {
  const guards = {
    ...(o.minRows !== undefined ? { minRows: o.minRows } : {}),
    ...(o.bothClasses !== undefined ? { requireBothClasses: o.bothClasses === 'yes' } : {}),
    ...(o.maxEceIncrease !== undefined ? { maxEceIncrease: o.maxEceIncrease } : {}),
  };
  const drift =
    o.onDrift !== undefined
      ? { mode: 'on_drift', ...(o.onDrift === true ? {} : { threshold: o.onDrift }) }
      : o.always
        ? { mode: 'always' }
        : undefined;
  const plugins = o.championPlugin
    ? null
    : o.plugins?.map((id) => ({ id, ...(o.param?.[id] ? { params: o.param[id] } : {}) }));

  return {
    ...(o.model !== undefined ? { modelName: o.model } : {}),
    ...(o.cron !== undefined ? { cron: o.cron } : {}),
    ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
    ...(o.dataset !== undefined ? { source: { kind: 'dataset', datasetId: o.dataset } } : {}),
    ...(plugins !== undefined ? { plugins } : {}),
    ...(o.metric !== undefined ? { metric: o.metric } : {}),
    ...(o.margin !== undefined ? { margin: o.margin } : {}),
    ...(Object.keys(guards).length > 0 ? { guards } : {}),
    ...(drift ? { drift } : {}),
    ...(o.testShare !== undefined ? { testShare: o.testShare } : {}),
    ...(o.enable ? { enabled: true } : o.disable ? { enabled: false } : {}),
  };
}

function printSchedules(schedules: ScheduleView[]): void {
  printTable(
    ['id', 'model', 'cron', 'time zone', 'source', 'metric', 'drift', 'enabled', 'next run'],
    schedules.map((s) => [
      s.id,
      s.modelName,
      s.cron,
      s.timeZone,
      JSON.stringify(s.source),
      s.metric,
      s.drift.mode === 'on_drift' ? `PSI > ${s.drift.threshold}` : 'always',
      s.enabled ? 'yes' : 'no',
      s.job.nextRunAt ?? '—',
    ]),
  );
}

function printRuns(runs: RetrainingRunView[]): void {
  printTable(
    ['run', 'trigger', 'status', 'metric', 'champion', 'challenger', 'ECE', 'rows', 'started'],
    runs.map((r) => [
      r.id,
      r.trigger,
      r.status,
      r.metric,
      r.champion ? `v${r.champion.version} ${formatNumber(r.champion.value)}` : '—',
      r.challenger
        ? `v${r.challenger.version ?? '?'} ${r.challenger.pluginId ?? ''} ` +
          formatNumber(r.challenger.value)
        : '—',
      `${formatNumber(r.champion?.ece)} / ${formatNumber(r.challenger?.ece)}`,
      r.testRows === null ? (r.rows ?? '—') : `${r.rows} (${r.testRows} held out)`,
      r.startedAt,
    ]),
  );
}

/** Runs a command in a context whose cron jobs stay off: a one-shot command ticks nothing. */
async function inContext(
  command: Command,
  work: (context: INestApplicationContext) => Promise<void>,
): Promise<void> {
  await withContext(command.optsWithGlobals<GlobalOptions>(), work, { schedulerEnabled: false });
}

function toInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new InvalidArgumentError('expected a whole number');
  }

  return n;
}
