import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvaluationReport } from '../models/evaluation';

export interface ReportEntry {
  readonly pluginId: string;
  readonly version?: number;
  readonly fitSeconds?: number;
  /** The evaluation on the test split. */
  readonly metrics: EvaluationReport;
}

export interface TrainingReportInput {
  readonly title: string;
  readonly createdAt: Date;
  readonly datasetName: string;
  readonly notes?: readonly string[];
  readonly entries: readonly ReportEntry[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/**
 * A self-contained HTML page with the ROC curves, cumulative gains, lift by decile and
 * calibration of each trained model version, drawn with Chart.js (inlined, so the file opens
 * without a network).
 */
export function renderTrainingReport(input: TrainingReportInput): string {
  // The UMD build is not in chart.js's `exports`; it sits beside the CommonJS entry point.
  const chartJs = fs.readFileSync(
    path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    'utf8',
  );
  const charts = {
    roc: input.entries.map((entry, i) => ({
      label: `${entry.pluginId} (AUC ${entry.metrics.rocAuc.toFixed(4)})`,
      data: entry.metrics.roc.map((p) => ({ x: p.fpr, y: p.tpr })),
      borderColor: COLOURS[i % COLOURS.length],
    })),
    gains: input.entries.map((entry, i) => ({
      label: entry.pluginId,
      data: [{ x: 0, y: 0 }].concat(
        entry.metrics.deciles.map((d) => ({ x: d.decile * 10, y: d.cumulativeGains * 100 })),
      ),
      borderColor: COLOURS[i % COLOURS.length],
    })),
    lift: input.entries.map((entry, i) => ({
      label: entry.pluginId,
      data: entry.metrics.deciles.map((d) => ({ x: d.decile, y: d.lift })),
      borderColor: COLOURS[i % COLOURS.length],
    })),
    calibration: input.entries.map((entry, i) => ({
      label: entry.pluginId,
      data: entry.metrics.calibration
        .filter((bin) => bin.count > 0 && bin.meanPredicted !== null)
        .map((bin) => ({ x: bin.meanPredicted, y: bin.observedRate })),
      borderColor: COLOURS[i % COLOURS.length],
    })),
  };
  const rows = input.entries
    .map(
      (entry) => `<tr><td>${escapeHtml(entry.pluginId)}</td><td>${entry.version ?? '—'}</td>
<td>${entry.metrics.rocAuc.toFixed(4)}</td><td>${entry.metrics.prAuc.toFixed(4)}</td>
<td>${entry.metrics.logLoss.toFixed(4)}</td><td>${entry.metrics.brier.toFixed(4)}</td>
<td>${entry.metrics.f1.toFixed(4)}</td><td>${entry.metrics.precision.toFixed(4)}</td>
<td>${entry.metrics.recall.toFixed(4)}</td><td>${entry.metrics.threshold.toFixed(4)}</td>
<td>${entry.metrics.meanPredicted.toFixed(4)} / ${entry.metrics.positiveRate.toFixed(4)}</td>
<td>${entry.metrics.expectedCalibrationError.toFixed(4)}</td>
<td>${entry.fitSeconds === undefined ? '—' : entry.fitSeconds.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  const notes = (input.notes ?? []).map((note) => `<li>${escapeHtml(note)}</li>`).join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(320px, 560px)); gap: 2rem; }
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>Dataset <b>${escapeHtml(input.datasetName)}</b>, test split of
${input.entries[0]?.metrics.rows ?? 0} customers (${input.entries[0]?.metrics.positives ?? 0}
positive). Generated ${input.createdAt.toISOString()}.</p>
<ul>${notes}</ul>
<table><thead><tr><th>plugin</th><th>version</th><th>ROC AUC</th><th>PR AUC</th>
<th>log loss</th><th>Brier</th><th>F1</th><th>precision</th><th>recall</th><th>threshold</th>
<th>mean predicted / observed</th><th>ECE</th><th>fit s</th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="grid">
<div><h2>ROC curve</h2><canvas id="roc"></canvas></div>
<div><h2>Cumulative gains</h2><canvas id="gains"></canvas></div>
<div><h2>Lift by decile</h2><canvas id="lift"></canvas></div>
<div><h2>Calibration</h2><canvas id="calibration"></canvas></div>
</div>
<script>${chartJs}</script>
<script>
const charts = ${JSON.stringify(charts)};
const diagonal = (max) => ({ label: 'random', data: [{ x: 0, y: 0 }, { x: max, y: max }],
  borderColor: '#999', borderDash: [4, 4] });
function draw(id, datasets, xTitle, yTitle, extra) {
  new Chart(document.getElementById(id), {
    type: 'scatter',
    data: { datasets: datasets.concat(extra ? [extra] : []).map((d) => ({ ...d,
      showLine: true, pointRadius: 0, borderWidth: 2, fill: false })) },
    options: { animation: false, scales: { x: { title: { display: true, text: xTitle } },
      y: { title: { display: true, text: yTitle } } } },
  });
}
draw('roc', charts.roc, 'false positive rate', 'true positive rate', diagonal(1));
draw('gains', charts.gains, '% of customers contacted (by score)', '% of responders reached', diagonal(100));
draw('lift', charts.lift, 'decile (1 = highest scores)', 'lift over average');
draw('calibration', charts.calibration, 'mean predicted probability', 'observed rate', diagonal(1));
</script></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
