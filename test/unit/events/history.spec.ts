import type { CampaignView } from '../../../src/modules/campaigns/campaign.entity';
import { historyProblems, historyRecords } from '../../../src/modules/events/history';

const campaign = {
  id: 'camp-1',
  name: 'E-mail test',
  modelName: 'visits',
  revision: 3,
  rules: [
    { name: 'mens', priority: 2, conditions: { all: [] }, event: { type: 'email' } },
    { name: 'womens', conditions: { all: [] }, event: { type: 'email' } },
  ],
  audience: null,
  holdoutShare: 0.33,
  frequencyCaps: [],
  arbitration: 'one_per_customer',
} as unknown as CampaignView;

const input = {
  runKey: 'hillstrom-2008',
  decidedAt: '2008-03-01T00:00:00Z',
  decisions: [
    { customerId: 'c1', holdout: false, rule: 'mens', action: 'email' as const },
    { customerId: 'c2', holdout: false, rule: 'womens', action: 'email' as const },
    { customerId: 'c3', holdout: true },
    {
      customerId: 'c4',
      holdout: true,
      rule: 'mens',
      action: 'email' as const,
      decidedAt: '2008-03-02T00:00:00Z',
    },
  ],
};

describe('historyProblems', () => {
  it('accepts a complete history', () => {
    expect(historyProblems(input)).toEqual([]);
  });

  it('names each problem by its JSON path', () => {
    const problems = historyProblems({
      runKey: 'has spaces',
      decidedAt: 'March 2008?',
      decisions: [
        { customerId: 'c1', holdout: false },
        { customerId: '', holdout: true, action: 'fax' as never },
        { customerId: 'c3', holdout: false, action: 'email' },
        { customerId: 'c3', holdout: false, action: 'email' },
      ],
    });

    expect(problems.map((p) => p.path)).toEqual([
      '$.runKey',
      '$.decidedAt',
      '$.decisions[0].action',
      '$.decisions[1].customerId',
      '$.decisions[1].action',
      '$.decisions[3]',
    ]);
    expect(problems[5].message).toBe('repeats the customer and action of $.decisions[2]');
  });
});

describe('historyRecords', () => {
  it('makes one succeeded run with a decision per row and a contact per e-mail sent', () => {
    const records = historyRecords(campaign, input, new Date('2026-12-01T00:00:00Z'));

    expect(records.run).toMatchObject({
      campaignId: 'camp-1',
      runKey: 'hillstrom-2008',
      status: 'succeeded',
      campaignRevision: 3,
      modelVersion: 0,
      customersTotal: 4,
      startedAt: '2008-03-01T00:00:00.000Z',
      finishedAt: '2026-12-01T00:00:00.000Z',
    });
    expect(records.run.counts).toMatchObject({
      customers: 4,
      holdout: 2,
      actioned: 2,
      actions: 2,
      decisions: 4,
      byAction: { email: 2 },
      byRule: { mens: 1, womens: 1 },
    });
    expect(
      records.decisions.map((d) => [d.customerId, d.status, d.slot, d.rule, d.rulePriority]),
    ).toEqual([
      ['c1', 'action', 'email', 'mens', 2],
      ['c2', 'action', 'email', 'womens', 1],
      ['c3', 'holdout', 'none', null, null],
      ['c4', 'holdout', 'email', 'mens', 2],
    ]);
    expect(records.decisions.every((d) => d.runId === records.run.id)).toBe(true);
    expect(records.decisions[3].decidedAt).toBe('2008-03-02T00:00:00.000Z');
    expect(records.decisions[3].reason).toContain('would have sent email by rule "mens"');
    expect(records.contacts.map((c) => [c.customerId, c.decisionId])).toEqual([
      ['c1', records.decisions[0].id],
      ['c2', records.decisions[1].id],
    ]);
  });
});
