import { INestApplicationContext } from '@nestjs/common';
import { Command } from 'commander';
import { UserError } from '../../common/errors';
import type { RunView } from '../../modules/campaigns/campaign-run.entity';
import { CampaignRunsService } from '../../modules/campaigns/campaign-runs.service';
import type { DecisionCounts } from '../../modules/campaigns/decision-core';
import type { DecisionView, Page } from '../../modules/campaigns/decision.entity';
import { SimulationService } from '../../modules/campaigns/simulation.service';
import { GlobalOptions, withContext } from '../context';
import { formatNumber, printTable, progressBar } from '../output';

/**
 * `bullseye campaign simulate|run|runs …` and `bullseye decisions|decision …`: campaign
 * runs, simulations and the decisions they leave.
 */
export function registerRunCommands(program: Command): void {
  const campaign =
    program.commands.find((c) => c.name() === 'campaign') ??
    program.command('campaign').description('create, show and manage a campaign');

  campaign
    .command('simulate <id>')
    .description('show what a run would do now, writing nothing')
    .option('--sample <n>', 'customers to show with their rule and reason', toInteger, 20)
    .action(async (id: string, options: { sample: number }, command: Command) => {
      await inContext(command, async (context) => {
        const view = await context
          .get(SimulationService)
          .simulate(id, { sampleSize: options.sample });
        console.log(
          `Simulated campaign ${view.campaignId} (${view.campaignStatus}, revision ` +
            `${view.campaignRevision}) with ${view.model.name} version ${view.model.version} ` +
            `in ${view.seconds.toFixed(1)} s.`,
        );
        printCounts(view.counts);
        printTable(
          ['customer', 'status', 'score', 'decile', 'rule', 'action', 'reason'],
          view.sample.map((s) => [
            s.customerId,
            s.status,
            formatNumber(s.score),
            s.decile,
            s.decisions.map((d) => d.rule ?? '—').join(', '),
            s.decisions.map((d) => d.action ?? '—').join(', '),
            s.decisions[0]?.reason ?? '',
          ]),
        );
      });
    });

  campaign
    .command('run <id>')
    .description('apply an active campaign to every customer (resumes a run of the same key)')
    .option('--key <key>', 'run key: the same key returns, or resumes, that run')
    .option('--batch-size <n>', 'customers per transaction', toInteger)
    .action(async (id: string, options: { key?: string; batchSize?: number }, command: Command) => {
      await inContext(command, async (context) => {
        const bar = progressBar('Deciding');
        let result: Awaited<ReturnType<CampaignRunsService['start']>>;
        try {
          result = await context.get(CampaignRunsService).start({
            campaignId: id,
            runKey: options.key,
            batchSize: options.batchSize,
            onProgress: (run) =>
              bar.update(
                run.customersTotal ? run.counts.customers / run.customersTotal : 0,
                `${run.counts.customers} customers`,
              ),
          });
        } finally {
          bar.stop();
        }
        const { run, outcome } = result;
        const said = { created: 'finished', existing: 'already existed', resumed: 'resumed' };
        console.log(`Run ${run.id} (key ${run.runKey}) ${said[outcome]}: ${run.status}.`);
        printRun(run);
      });
    });

  campaign
    .command('runs <id>')
    .description('list the runs of a campaign, newest first')
    .action(async (id: string, _options: unknown, command: Command) => {
      await inContext(command, async (context) => {
        const runs = await context.get(CampaignRunsService).list(id);
        printTable(
          ['id', 'key', 'status', 'customers', 'actions', 'holdout', 'deliveries', 'started'],
          runs.map((r) => [
            r.id,
            r.runKey,
            r.status,
            r.counts.customers,
            r.counts.actions,
            r.counts.holdout,
            r.deliveries,
            r.timings.startedAt,
          ]),
        );
      });
    });

  program
    .command('decisions')
    .description('list the decisions of a customer or of a run')
    .option('--customer <id>', "a customer's decisions, newest first")
    .option('--run <id>', "a run's decisions, in customer order")
    .option('--limit <n>', 'decisions to show', toInteger, 50)
    .option('--offset <n>', 'decisions to skip', toInteger, 0)
    .action(
      async (
        options: { customer?: string; run?: string; limit: number; offset: number },
        command: Command,
      ) => {
        if (Boolean(options.customer) === Boolean(options.run)) {
          throw new UserError('decisions_filter_invalid', 'Name either --customer ID or --run ID.');
        }
        await inContext(command, async (context) => {
          const runs = context.get(CampaignRunsService);
          const page = { limit: options.limit, offset: options.offset };
          const decisions = options.run
            ? await runs.listRunDecisions(options.run, page)
            : await runs.listCustomerDecisions(options.customer as string, page);
          printDecisions(decisions);
        });
      },
    );

  program
    .command('decision <id>')
    .description('why a decision was made: rule, conditions, score, model version, caps (JSON)')
    .action(async (id: string, _options: unknown, command: Command) => {
      await inContext(command, async (context) => {
        console.log(JSON.stringify(await context.get(CampaignRunsService).explain(id), null, 2));
      });
    });
}

function printCounts(counts: DecisionCounts): void {
  const rows: (string | number)[][] = [
    ['customers', counts.customers],
    ['out of audience', counts.outOfAudience],
    ['suppressed', counts.suppressed],
    ['holdout', counts.holdout],
    ['no rule', counts.noRule],
    ['capped', counts.capped],
    ['with an action', counts.actioned],
    ['actions', counts.actions],
    ...Object.entries(counts.byAction).map(([action, n]) => [`  ${action}`, n]),
    ...Object.entries(counts.byRule).map(([rule, n]) => [`  rule ${rule}`, n]),
    ['capped actions', counts.cappedActions],
    ['decisions', counts.decisions],
  ];
  printTable(['outcome', 'count'], rows);
}

function printRun(run: RunView): void {
  printCounts(run.counts);
  printTable(
    ['batches', 'deliveries', 'resumes', 'seconds', 'customers/s'],
    [
      [
        run.batches,
        run.deliveries,
        run.resumes,
        run.timings.activeSeconds.toFixed(1),
        run.timings.customersPerSecond ?? '—',
      ],
    ],
  );
}

function printDecisions(page: Page<DecisionView>): void {
  printTable(
    ['id', 'customer', 'campaign', 'status', 'action', 'rule', 'score', 'decided'],
    page.items.map((d) => [
      d.id,
      d.customerId,
      d.campaignId,
      d.status,
      d.action ?? '—',
      d.rule ?? '—',
      formatNumber(d.score),
      d.decidedAt,
    ]),
  );
  console.log(
    `${page.items.length} of ${page.total} decisions (from ${page.offset + 1}); ` +
      '`bullseye decision ID` says why.',
  );
}

/** The CLI's context without the dispatcher: deliveries wait for `bullseye serve`. */
function inContext(
  command: Command,
  work: (context: INestApplicationContext) => Promise<void>,
): Promise<void> {
  return withContext(command.optsWithGlobals<GlobalOptions>(), work, { dispatcherEnabled: false });
}

function toInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) {
    throw new UserError('option_invalid', `Expected a whole number; got "${value}".`);
  }

  return parsed;
}
