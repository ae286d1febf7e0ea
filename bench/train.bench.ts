/**
 * `npm run bench:train`: Bullseye's three plugins against scikit-learn's references on the
 * bank marketing file, with and without `duration`, in one run. Each measurement runs in its
 * own process; the table shows fit seconds, test ROC AUC, peak RSS and our/scikit-learn
 * ratios. scikit-learn comes from Debian's python3-sklearn (apt-get install python3-sklearn
 * python3-pandas); without it the reference columns stay empty.
 *
 * Usage: train.bench.ts [CSV] [--repeat N]  (default ../shared/data/bank-marketing/bank-full.csv)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';

const root = path.resolve(__dirname, '..');
const PAIRS: [ours: string, theirs: string][] = [
  ['logistic', 'logistic'],
  ['svm', 'linear-svm'],
  ['neural', 'mlp'],
];
const TARGETS: Record<string, { auc: string; time: number }> = {
  logistic: { auc: 'within 0.003', time: 1.5 },
  svm: { auc: 'within 0.003', time: 1.5 },
  neural: { auc: '>= theirs - 0.005', time: 1.5 },
};

interface Measurement {
  model: string;
  fit_seconds: number;
  first_fit_seconds?: number;
  roc_auc: number;
  peak_rss_mb: number;
  train_rows?: number;
  backend?: string;
}

function python(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import sklearn, pandas'], { stdio: 'ignore' });

      return candidate;
    } catch {
      // try the next one
    }
  }

  return undefined;
}

function sklearn(py: string, csv: string, drop: string[]): Map<string, Measurement> {
  const script = path.resolve(root, '../shared/bench/sklearn_baseline.py');
  const args = [script, csv, '--models', 'logistic,linear-svm,mlp'];
  if (drop.length) args.push('--drop', drop.join(','));
  const out = execFileSync(py, args, { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((row) => row.model);

  return new Map(rows.map((row: Measurement) => [row.model, row]));
}

function ours(csv: string, plugin: string, drop: string[]): Measurement {
  const args = ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'train-one.ts')];
  args.push(csv, plugin);
  if (drop.length) args.push('--drop', drop.join(','));
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

  return JSON.parse(out.trim().split('\n').pop() as string);
}

function best(runs: Measurement[]): Measurement {
  return runs.reduce((a, b) => (b.fit_seconds < a.fit_seconds ? b : a));
}

function main(): void {
  const argv = process.argv.slice(2);
  const repeatAt = argv.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Number(argv[repeatAt + 1]) : 1;
  const csv = path.resolve(
    argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--repeat') ??
      path.join(root, '../shared/data/bank-marketing/bank-full.csv'),
  );
  if (!fs.existsSync(csv)) throw new Error(`No such file: ${csv}`);
  const py = python();
  if (!py) {
    console.error('scikit-learn not found: apt-get install python3-sklearn python3-pandas');
  }

  const table = new Table({
    style: { head: [], border: [] },
    head: [
      'data',
      'plugin',
      'first fit s',
      'fit s',
      'sklearn fit s',
      'time ratio',
      'ROC AUC',
      'sklearn AUC',
      'AUC diff',
      'peak RSS MB',
      'sklearn RSS MB',
      'target',
      'met',
    ],
  });
  for (const drop of [[], ['duration']]) {
    const label = drop.length ? 'without duration' : 'with duration';
    const theirsRuns = py ? Array.from({ length: repeat }, () => sklearn(py, csv, drop)) : [];
    for (const [plugin, reference] of PAIRS) {
      process.stderr.write(`${label}: ${plugin}…\n`);
      const mine = best(Array.from({ length: repeat }, () => ours(csv, plugin, drop)));
      const theirs = theirsRuns.length
        ? best(theirsRuns.map((runs) => runs.get(reference) as Measurement))
        : undefined;
      const ratio = theirs ? mine.fit_seconds / theirs.fit_seconds : NaN;
      const diff = theirs ? mine.roc_auc - theirs.roc_auc : NaN;
      const target = TARGETS[plugin];
      const aucMet = plugin === 'neural' ? diff >= -0.005 : Math.abs(diff) <= 0.003;
      const met = theirs
        ? `${aucMet ? 'AUC yes' : 'AUC no'}, ${ratio <= target.time ? 'time yes' : 'time no'}, ` +
          `${mine.peak_rss_mb < 600 ? 'RSS yes' : 'RSS no'}`
        : '—';
      table.push([
        label,
        `${plugin}${mine.backend && mine.backend !== 'js' ? ` (${mine.backend})` : ''}`,
        mine.first_fit_seconds?.toFixed(3) ?? '—',
        mine.fit_seconds.toFixed(3),
        theirs ? theirs.fit_seconds.toFixed(3) : '—',
        theirs ? `${ratio.toFixed(2)}×` : '—',
        mine.roc_auc.toFixed(4),
        theirs ? theirs.roc_auc.toFixed(4) : '—',
        theirs ? `${diff >= 0 ? '+' : ''}${diff.toFixed(4)}` : '—',
        String(mine.peak_rss_mb),
        theirs ? String(theirs.peak_rss_mb) : '—',
        `AUC ${target.auc}, time ≤ ${target.time}×, RSS < 600`,
        met,
      ]);
    }
  }
  console.log(table.toString());
  console.log(
    'Same stratified 80/20 split and seed (42) as scikit-learn; our plugins fit on the whole ' +
      'training split (no calibration hold-out), as scikit-learn does. "first fit" is the first ' +
      'training in a fresh process (it includes the JavaScript engine\'s warm-up); "fit" is the ' +
      `best of three in that process, and the ratio uses it. scikit-learn: best of ${repeat} run(s).`,
  );
}

main();
