import { evaluate } from '../../../src/modules/models/evaluation';
import { renderTrainingReport } from '../../../src/modules/reports/training-report';

describe('renderTrainingReport', () => {
  // 200 rows whose score ranks the positives first half of the time.
  const labels = Uint8Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const probabilities = Float64Array.from(labels, (y, i) => (y ? 0.6 : 0.3) + (i % 7) / 100);
  const metrics = evaluate({ labels, probabilities, threshold: 0.5 });

  it('writes a self-contained page with the four charts and their data', () => {
    const html = renderTrainingReport({
      title: 'Report <test>',
      createdAt: new Date('2026-12-03T00:00:00Z'),
      datasetName: 'bank-full.csv',
      entries: [{ pluginId: 'logistic', version: 3, fitSeconds: 0.25, metrics }],
    });

    expect(html.match(/<canvas id="(roc|gains|lift|calibration)">/g)).toHaveLength(4);
    // Chart.js is inlined (no network needed to open the file).
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<script src=/);
    const data = JSON.parse(/const charts = (.*);\n/.exec(html)?.[1] ?? '{}');
    expect(data.roc[0].data).toHaveLength(metrics.roc.length);
    expect(data.gains[0].data).toHaveLength(11);
    expect(data.gains[0].data[10].y).toBeCloseTo(100, 6);
    expect(html).toContain(`${metrics.rocAuc.toFixed(4)}`);
    expect(html).toContain('Report &#60;test&#62;');
  });
});
