import { INestApplicationContext } from '@nestjs/common';
import { Command, Option } from 'commander';
import { UserError } from '../../common/errors';
import { EventsService } from '../../modules/events/events.service';
import { LabelsService, LiftReport } from '../../modules/events/labels.service';
import type { Comparison } from '../../modules/events/lift';
import { OUTCOME_TYPES } from '../../modules/events/outcome-types';
import { GlobalOptions, withContext } from '../context';
import { formatNumber, printTable } from '../output';

/**
 * `bullseye events import|dataset …` and `bullseye campaign lift …`: outcomes an operator
 * loads from files, training datasets from the label view, and the lift of a campaign.
 */
export function registerEventCommands(program: Command): void {
  const events = program
    .command('events')
    .description('outcome events: import them, and build training datasets from them');

  events
    .command('import <file>')
    .description('import outcome events from a JSON-lines or CSV file (no signature needed)')
    .addOption(new Option('--format <format>', 'the file format').choices(['jsonl', 'csv']))
    .action(async (file: string, options: { format?: 'jsonl' | 'csv' }, command: Command) => {
      await inContext(command, async (context) => {
        const result = await context.get(EventsService).importFile(file, options.format);
        console.log(
          `Imported ${result.file} (${result.format}): ${result.received} events, ` +
            `${result.stored} stored, ${result.duplicates} seen before, ` +
            `${result.suppressed} customers suppressed.`,
        );
      });
    });

  events
    .command('dataset')
    .description('import a training dataset of who was contacted and who converted')
    .option('--campaign <id...>', 'the campaigns to learn from (default: every campaign)')
    .addOption(outcomeOption())
    .option('--window-days <days>', 'days after a decision an outcome counts', toNumber)
    .option('--name <name>', 'name of the dataset')
    .action(
      async (
        options: { campaign?: string[]; outcome?: string; windowDays?: number; name?: string },
        command: Command,
      ) => {
        await inContext(command, async (context) => {
          const built = await context.get(LabelsService).buildTrainingDataset({
            campaignIds: options.campaign,
            outcome: options.outcome,
            windowDays: options.windowDays,
            name: options.name,
          });
          console.log(
            `Dataset ${built.dataset.id} (${built.dataset.name}): ${built.dataset.rowCount} ` +
              `customers, ${built.treated} contacted and ${built.untreated} held out; ` +
              `${built.open} exposures left out with their window still open.`,
          );
        });
      },
    );

  const campaign =
    program.commands.find((c) => c.name() === 'campaign') ??
    program.command('campaign').description('create, show and manage a campaign');

  campaign
    .command('lift <id>')
    .description('contacted, converted, rate and lift over the holdout group, by rule')
    .addOption(outcomeOption())
    .option('--window-days <days>', 'days after a decision an outcome counts', toNumber)
    .option('--run <id>', 'only the decisions of this run')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        id: string,
        options: { outcome?: string; windowDays?: number; run?: string; json?: boolean },
        command: Command,
      ) => {
        await inContext(command, async (context) => {
          const report = await context.get(LabelsService).lift(id, {
            outcome: options.outcome,
            windowDays: options.windowDays,
            runId: options.run,
          });
          if (options.json) {
            console.log(JSON.stringify(report, null, 2));

            return;
          }
          printLift(report);
        });
      },
    );
}

function printLift(report: LiftReport): void {
  console.log(
    `Campaign ${report.campaignName} (${report.campaignId}): "${report.outcome}" within ` +
      `${report.windowDays} days of a decision, 95% intervals (difference: Newcombe; ` +
      'relative: log risk ratio).',
  );
  const row = (name: string, c: Comparison): string[] => [
    name,
    `${c.contacted.converted} / ${c.contacted.count}`,
    percent(c.contacted.rate),
    `${c.holdout.converted} / ${c.holdout.count}`,
    percent(c.holdout.rate),
    c.lift.difference === null ? '—' : `${points(c.lift.difference)} pts`,
    c.lift.differenceInterval
      ? `${points(c.lift.differenceInterval.lower)} to ${points(c.lift.differenceInterval.upper)}`
      : '—',
    c.lift.relative === null ? '—' : percent(c.lift.relative),
    c.lift.relativeInterval
      ? `${percent(c.lift.relativeInterval.lower)} to ${percent(c.lift.relativeInterval.upper)}`
      : '—',
  ];
  printTable(
    [
      '',
      'contacted',
      'rate',
      'holdout',
      'rate',
      'difference',
      '95% interval',
      'relative',
      '95% interval',
    ],
    [row('campaign', report), ...report.rules.map((r) => row(`rule ${r.rule}`, r))],
  );
  if (report.controlGroup === 'campaign') {
    console.log('No holdout decision names a rule: every rule is compared with the whole holdout.');
  }
  const open = report.contacted.open + report.holdout.open;
  if (open > 0) {
    console.log(`${open} customers' windows are still open; their outcomes may still come.`);
  }
}

function percent(value: number | null): string {
  return value === null ? '—' : `${formatNumber(value * 100, 2)}%`;
}

function points(value: number): string {
  return formatNumber(value * 100, 2);
}

function outcomeOption(): Option {
  return new Option('--outcome <type>', 'the outcome that counts (default converted)').choices(
    OUTCOME_TYPES,
  );
}

function inContext(
  command: Command,
  work: (context: INestApplicationContext) => Promise<void>,
): Promise<void> {
  return withContext(command.optsWithGlobals<GlobalOptions>(), work, { dispatcherEnabled: false });
}

function toNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new UserError('option_invalid', `Expected a number; got "${value}".`);
  }

  return parsed;
}
