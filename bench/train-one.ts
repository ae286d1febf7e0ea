/**
 * One measurement for `npm run bench:train`, in a process of its own so that its peak RSS is
 * its own: import the file into a temporary SQLite store, train one plugin the way the host
 * does (same stratified split and seed as scikit-learn's reference, no calibration hold-out so
 * the plugin fits on the same rows as scikit-learn's), print one JSON line.
 *
 * The plugin is fitted three times in the process: the first fit includes the JavaScript
 * engine's warm-up (what a one-off command pays), the best of the three is what a long-running
 * service pays for every later training. Both are printed.
 *
 * Usage: train-one.ts CSV PLUGIN [--drop duration]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createContext } from '../src/app';
import { loadTensorFlow } from '../src/common/tensorflow';
import { loadConfig } from '../src/config/config';
import { DatasetsService } from '../src/modules/datasets/datasets.service';
import { PluginRegistry } from '../src/modules/models/plugin-registry.service';
import { trainModel } from '../src/modules/models/training';

async function main(): Promise<void> {
  const [file, pluginId, ...rest] = process.argv.slice(2);
  const drop = rest[0] === '--drop' ? rest[1].split(',') : [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-bench-'));
  const config = loadConfig({ BULLSEYE_LOG_LEVEL: 'error' }, { dataDir });
  const context = await createContext(config);
  try {
    const runtime = await loadTensorFlow(config.tfBackend);
    const datasets = context.get(DatasetsService);
    const dataset = await datasets.importFile({
      file,
      target: 'y',
      positiveLabel: 'yes',
      exclude: drop,
    });
    const data = await datasets.loadTrainingSet(dataset.id);
    const registry = context.get(PluginRegistry);
    const plugin = registry.get(pluginId);
    const params = registry.validateParams(pluginId, {});
    const fits: number[] = [];
    let outcome!: Awaited<ReturnType<typeof trainModel>>;
    for (let i = 0; i < 3; i++) {
      outcome = await trainModel({
        data,
        plugin,
        params,
        options: { seed: 42, testShare: 0.2, calibration: 'none' },
      });
      fits.push(outcome.timings.fitSeconds);
    }
    console.log(
      JSON.stringify({
        model: pluginId,
        backend: pluginId === 'neural' ? runtime.backend : 'js',
        first_fit_seconds: round(fits[0], 3),
        fit_seconds: round(Math.min(...fits), 3),
        roc_auc: round(outcome.metrics.test.rocAuc, 4),
        train_rows: outcome.metrics.rows.fit,
        test_rows: outcome.metrics.rows.test,
        features: outcome.featureNames.length,
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        summary: outcome.summary,
      }),
    );
  } finally {
    await context.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
