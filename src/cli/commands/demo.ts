import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import type { AppConfig } from '../../config/config';
import { DemoReport, DemoService, DemoStage } from '../../modules/demo/demo.service';
import { GlobalOptions, withContext } from '../context';
import { formatNumber, printTable, progressBar } from '../output';
import { printMetricsTable } from './models';

/** The demo's receiver listens on 127.0.0.1 over http: its webhooks may go there, nowhere else. */
const DEMO_DELIVERY: Partial<AppConfig> = {
  deliveryAllowHttp: true,
  deliveryAllowedHosts: ['127.0.0.1'],
};

interface DemoOptions {
  data?: string;
  target?: string;
  positive?: string;
  exclude?: string;
  plugins?: string;
  rows?: number;
  keep?: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job end to end: import, train the plugins, promote the best, run an example ' +
        'campaign and deliver it as signed webhooks to a local receiver',
    )
    .option('--data <file>', 'customer file (default: a generated synthetic customer base)')
    .option('--target <column>', 'outcome column (default y, or responded for synthetic data)')
    .option('--positive <label>', 'the target value that counts as a response (default yes)')
    .option('--exclude <columns>', 'columns kept out of training (default: duration if present)')
    .option('--plugins <ids>', 'comma-separated plugins to train', 'logistic,svm,neural')
    .option('--rows <n>', 'rows of synthetic data to generate', Number)
    .option('--keep', 'keep the previous demo database instead of starting afresh')
    .action(async (options: DemoOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const dataDir = path.resolve(globals.dataDir ?? 'data', 'demo');
      const databaseFile = globals.database ?? path.join(dataDir, 'bullseye-demo.sqlite');
      if (!options.keep) {
        for (const suffix of ['', '-wal', '-shm'])
          fs.rmSync(databaseFile + suffix, { force: true });
      }
      console.log(`Demo store: ${databaseFile}`);
      const started = Date.now();
      let bar: ReturnType<typeof progressBar> | undefined;
      let current: DemoStage | undefined;

      const report = await withContext(
        { ...globals, dataDir, database: databaseFile },
        (context) =>
          context
            .get(DemoService)
            .run({
              data: options.data,
              target: options.target,
              positiveLabel: options.positive,
              exclude: options.exclude?.split(',').filter(Boolean),
              plugins: options.plugins?.split(',').filter(Boolean),
              syntheticRows: options.rows,
              onStage: (stage, fraction, message) => {
                if (stage !== current) {
                  bar?.stop();
                  current = stage;
                  bar = progressBar(stage);
                }
                bar?.update(fraction ?? 0, message);
              },
            })
            .finally(() => bar?.stop()),
        DEMO_DELIVERY,
      );
      printReport(report, (Date.now() - started) / 1000);
    });
}

function printReport(report: DemoReport, totalSeconds: number): void {
  console.log(
    `\nDataset ${report.dataset.name}: ${report.dataset.rowCount.toLocaleString('en-US')} ` +
      `customers, ${report.dataset.badRowCount} bad rows left out` +
      (report.excluded.length ? `; kept out of training: ${report.excluded.join(', ')}` : ''),
  );
  console.log('\nModels (test split, calibrated scores):');
  printMetricsTable([...report.models]);
  console.log(
    `Champion: ${report.champion.pluginId} (version ${report.champion.version}, ` +
      `ROC AUC ${formatNumber(report.champion.rocAuc)})`,
  );

  const counts = report.run.counts;
  console.log(`\nCampaign ${report.campaign.name}:`);
  printTable(
    ['', 'simulated', 'run'],
    [
      ['customers', report.simulation.counts.customers, counts.customers],
      ['holdout', report.simulation.counts.holdout, counts.holdout],
      ['suppressed', report.simulation.counts.suppressed, counts.suppressed],
      ['capped', report.simulation.counts.capped, counts.capped],
      ['no rule fired', report.simulation.counts.noRule, counts.noRule],
      ...['email', 'ad', 'promo', 'social'].map((action) => [
        `action ${action}`,
        report.simulation.counts.byAction[action] ?? 0,
        counts.byAction[action] ?? 0,
      ]),
    ],
  );
  const holdoutShare = counts.customers ? counts.holdout / counts.customers : 0;
  console.log(`Holdout: ${counts.holdout} customers (${(holdoutShare * 100).toFixed(1)}%).`);

  const d = report.deliveries;
  console.log('\nDeliveries (signed webhooks to the local receiver, every signature checked):');
  printTable(
    [
      'messages',
      'delivered',
      'failed, retrying',
      'dead letters',
      'verified by receiver',
      'rejected',
    ],
    [
      [
        report.run.deliveries,
        d.delivered,
        d.retrying,
        d.dead,
        Object.values(d.receiver.verified).reduce((a, b) => a + b, 0),
        d.receiver.rejected,
      ],
    ],
  );
  console.log('\nTime per stage:');
  printTable(Object.keys(report.seconds).concat('total'), [
    Object.values(report.seconds)
      .map((s) => `${s.toFixed(1)} s`)
      .concat(`${totalSeconds.toFixed(1)} s`),
  ]);
}
