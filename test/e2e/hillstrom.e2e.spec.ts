import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { AppConfig } from '../../src/config/config';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import type { InboundEvent } from '../../src/modules/events/event-validation';
import { HistoryService } from '../../src/modules/events/history.service';
import { ModelsService } from '../../src/modules/models/models.service';
import { sharedData, startTestApp } from '../support/app';

/**
 * The MineThatData e-mail test (Hillstrom 2008): 64,000 customers randomly sent a men's
 * e-mail, a women's e-mail or nothing. Recorded as the history of one e-mail campaign — two
 * rules, the "No E-Mail" third as the holdout — with each visit reported as `clicked` and
 * each purchase as `converted`, the lift the service reports must be the lift in the file.
 */

const FILE = sharedData('hillstrom', 'hillstrom.csv');
const DECIDED_AT = '2008-03-01T00:00:00.000Z';
const DAY_MS = 86_400_000;
const Z = 1.959963984540054;

const SEGMENTS = { 'Mens E-Mail': 'mens-email', 'Womens E-Mail': 'womens-email' } as const;

interface Row {
  readonly segment: string;
  readonly visit: boolean;
  readonly conversion: boolean;
  readonly spend: number;
}

/** The file read here on its own: split on commas outside double quotes. */
function readHillstrom(): Row[] {
  const lines = fs.readFileSync(FILE, 'utf8').split(/\r?\n/).filter(Boolean);
  const header = splitCsvLine(lines[0]);
  const at = (name: string) => header.indexOf(name);

  return lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);

    return {
      segment: cells[at('segment')],
      visit: cells[at('visit')] === '1',
      conversion: cells[at('conversion')] === '1',
      spend: Number(cells[at('spend')]),
    };
  });
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (const char of line) {
    if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += char;
    }
  }
  cells.push(cell);

  return cells;
}

/** Wilson score bounds of x/n, then Newcombe's hybrid bounds of p1 − p0, written out. */
function expectedInterval(x1: number, n1: number, x0: number, n0: number) {
  const wilson = (x: number, n: number) => {
    const p = x / n;
    const centre = (x + (Z * Z) / 2) / (n + Z * Z);
    const half = ((Z * Math.sqrt(n)) / (n + Z * Z)) * Math.sqrt(p * (1 - p) + (Z * Z) / (4 * n));

    return [centre - half, centre + half];
  };
  const [l1, u1] = wilson(x1, n1);
  const [l0, u0] = wilson(x0, n0);
  const p1 = x1 / n1;
  const p0 = x0 / n0;

  return {
    lower: p1 - p0 - Math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
    upper: p1 - p0 + Math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
  };
}

describe('Hillstrom e-mail test as campaign history', () => {
  let app: INestApplication;
  let campaignId: string;
  const rows = readHillstrom();
  const tally = (segment: string, pick: (row: Row) => boolean) => {
    const group = rows.filter((row) => row.segment === segment);

    return { n: group.length, x: group.filter(pick).length };
  };

  beforeAll(async () => {
    // The campaign's model only has to exist; it learns from a sample of the file.
    let config: AppConfig;
    ({ app, config } = await startTestApp());
    const sample = path.join(config.dataDir, 'hillstrom-sample.csv');
    fs.writeFileSync(sample, fs.readFileSync(FILE, 'utf8').split('\n').slice(0, 2001).join('\n'));
    const dataset = await app.get(DatasetsService).importFile({
      file: sample,
      name: 'hillstrom-sample',
      target: 'visit',
      positiveLabel: '1',
      exclude: ['segment', 'conversion', 'spend'],
    });
    const models = app.get(ModelsService);
    const job = await models.train('visits', {
      datasetId: dataset.id,
      plugins: [{ id: 'logistic' }],
      promote: 'best',
    });
    expect((await models.waitForJob(job.id)).status).toBe('succeeded');
    const created = await request(app.getHttpServer())
      .post('/campaigns')
      .send({
        name: 'hillstrom',
        modelName: 'visits',
        holdoutShare: 0.33,
        rules: Object.entries(SEGMENTS).map(([segment, name]) => ({
          name,
          conditions: { all: [{ fact: 'segment', operator: 'equal', value: segment }] },
          event: { type: 'email', params: { template: name } },
        })),
      })
      .expect(201);
    campaignId = created.body.id;

    // Customers are `hillstrom:<row>`, as an import of the whole file would name them.
    const decisions = rows.map((row, i) => {
      const rule = SEGMENTS[row.segment as keyof typeof SEGMENTS] ?? null;

      return rule
        ? { customerId: `hillstrom:${i + 1}`, holdout: false, rule, action: 'email' as const }
        : { customerId: `hillstrom:${i + 1}`, holdout: true };
    });
    const day = (n: number) => Date.parse(DECIDED_AT) + n * DAY_MS;
    const outcomes: InboundEvent[] = rows.flatMap((row, i) => {
      const base = { customerId: `hillstrom:${i + 1}`, decisionId: null, deliveryId: null };

      return [
        ...(row.visit
          ? [
              {
                ...base,
                id: `visit-${i + 1}`,
                type: 'clicked' as const,
                occurredAt: day(3),
                value: null,
              },
            ]
          : []),
        ...(row.conversion
          ? [
              {
                ...base,
                id: `buy-${i + 1}`,
                type: 'converted' as const,
                occurredAt: day(4),
                value: row.spend,
              },
            ]
          : []),
      ];
    });
    const recorded = await app.get(HistoryService).record({
      campaignId,
      runKey: 'hillstrom-2008',
      decidedAt: DECIDED_AT,
      decisions,
      outcomes,
    });
    expect(recorded).toMatchObject({ decisions: 64_000, outcomes: { stored: outcomes.length } });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('reports the lift in visit rate of each e-mail over no e-mail as the file has it', async () => {
    const response = await request(app.getHttpServer())
      .get(`/campaigns/${campaignId}/lift`)
      .query({ outcome: 'clicked' })
      .expect(200);
    const report = response.body;
    const control = tally('No E-Mail', (row) => row.visit);

    expect(report.controlGroup).toBe('campaign');
    expect(report.holdout).toMatchObject({ count: control.n, converted: control.x });
    expect(report.contacted.count).toBe(rows.length - control.n);
    for (const [segment, name] of Object.entries(SEGMENTS)) {
      const sent = tally(segment, (row) => row.visit);
      const rule = report.rules.find((r: { rule: string }) => r.rule === name);
      const interval = expectedInterval(sent.x, sent.n, control.x, control.n);

      expect(rule.controlGroup).toBe('campaign');
      expect(rule.contacted).toMatchObject({ count: sent.n, converted: sent.x });
      expect(
        Math.abs(rule.lift.difference - (sent.x / sent.n - control.x / control.n)),
      ).toBeLessThan(1e-9);
      expect(
        Math.abs(rule.lift.relative - (sent.x / sent.n / (control.x / control.n) - 1)),
      ).toBeLessThan(1e-9);
      expect(Math.abs(rule.lift.differenceInterval.lower - interval.lower)).toBeLessThan(1e-9);
      expect(Math.abs(rule.lift.differenceInterval.upper - interval.upper)).toBeLessThan(1e-9);
      // Randomised and large: each e-mail lifted visits, and the interval says so.
      expect(rule.lift.differenceInterval.lower).toBeGreaterThan(0);
    }
    // The published figures: visits 18.3% (men's), 15.1% (women's), 10.6% (none).
    expect(
      report.rules.map((r: { contacted: { rate: number } }) => r.contacted.rate.toFixed(3)),
    ).toEqual(['0.183', '0.151']);
    expect(report.holdout.rate.toFixed(3)).toBe('0.106');
  });

  it('reports the lift in conversions too', async () => {
    const response = await request(app.getHttpServer())
      .get(`/campaigns/${campaignId}/lift`)
      .expect(200);
    const control = tally('No E-Mail', (row) => row.conversion);
    const mens = tally('Mens E-Mail', (row) => row.conversion);

    const rule = response.body.rules[0];
    expect(response.body.outcome).toBe('converted');
    expect(rule.rule).toBe('mens-email');
    expect(Math.abs(rule.lift.difference - (mens.x / mens.n - control.x / control.n))).toBeLessThan(
      1e-9,
    );
  });
});
