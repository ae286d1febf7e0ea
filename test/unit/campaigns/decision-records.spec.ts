import type { CampaignView } from '../../../src/modules/campaigns/campaign.entity';
import type { CampaignRunEntity } from '../../../src/modules/campaigns/campaign-run.entity';
import { decideCustomer, prepareCampaign } from '../../../src/modules/campaigns/decision-core';
import {
  decisionRecords,
  decisionView,
  explanationOf,
} from '../../../src/modules/campaigns/decision.entity';
import type { CampaignRule } from '../../../src/modules/campaigns/rules';

const now = Date.parse('2026-12-01T12:00:00.000Z');
const model = { name: 'bank', version: 3, versionId: 'version-3' };

const rules: CampaignRule[] = [
  {
    name: 'likely',
    priority: 2,
    conditions: { all: [{ fact: 'score', operator: 'greaterThan', value: 0.5 }] },
    event: { type: 'email', params: { template: 'offer' } },
  },
  {
    name: 'banner',
    conditions: { all: [{ fact: 'score_decile', operator: 'lessThanInclusive', value: 3 }] },
    event: { type: 'ad' },
  },
];

const campaign: CampaignView = {
  id: 'campaign-1',
  name: 'spring',
  description: null,
  status: 'active',
  modelName: 'bank',
  audience: null,
  rules,
  revision: 4,
  holdoutShare: 0,
  frequencyCaps: [{ action: 'any', max: 1, windowDays: 7 }],
  arbitration: 'one_per_action',
  startsAt: null,
  endsAt: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

function decided(score: number, decile: number, id = 'customer-1') {
  const customer = { id, attributes: {}, score, decile };
  const decision = decideCustomer(
    prepareCampaign(campaign),
    { key: id, attributes: {}, score, decile, contacts: [], suppression: null },
    now,
  );

  return { customer, decision };
}

describe('decision records', () => {
  it('writes a decision per slot, and a contact and an action only for delivered slots', () => {
    const records = decisionRecords({
      decided: [decided(0.8, 1), decided(0.1, 9, 'customer-2')],
      model,
      campaign: { id: campaign.id, revision: campaign.revision },
      runId: 'run-1',
      source: 'run',
      now,
    });

    expect(records.decisions.map((d) => [d.customerId, d.slot, d.status])).toEqual([
      ['customer-1', 'email', 'action'],
      ['customer-1', 'ad', 'capped'],
      ['customer-2', 'none', 'no_rule'],
    ]);
    expect(records.decisions[0]).toMatchObject({
      runId: 'run-1',
      campaignRevision: 4,
      modelVersion: 3,
      modelVersionId: 'version-3',
      score: 0.8,
      decile: 1,
      rule: 'likely',
      params: { template: 'offer' },
      decidedAt: '2026-12-01T12:00:00.000Z',
      source: 'run',
    });
    expect(records.contacts).toEqual([
      {
        decisionId: records.decisions[0].id,
        customerId: 'customer-1',
        action: 'email',
        campaignId: 'campaign-1',
        at: '2026-12-01T12:00:00.000Z',
      },
    ]);
    expect(records.actions).toEqual([
      expect.objectContaining({
        runId: 'run-1',
        decisionId: records.decisions[0].id,
        type: 'email',
        params: { template: 'offer' },
        score: 0.8,
        modelVersion: 'version-3',
        rule: 'likely',
      }),
    ]);
    expect(new Set(records.decisions.map((d) => d.id)).size).toBe(3);
  });

  it('sends real-time actions under the realtime run id, with no run on the decision', () => {
    const records = decisionRecords({
      decided: [decided(0.8, 1)],
      model,
      campaign: { id: campaign.id, revision: campaign.revision },
      runId: null,
      source: 'realtime',
      now,
    });

    expect(records.decisions[0]).toMatchObject({ runId: null, source: 'realtime' });
    expect(records.actions[0].runId).toBe('realtime');
  });
});

describe('decision explanations', () => {
  const [row] = decisionRecords({
    decided: [decided(0.8, 1)],
    model,
    campaign: { id: campaign.id, revision: 2 },
    runId: 'run-1',
    source: 'run',
    now,
  }).decisions;
  const decision = decisionView(row);

  it("shows the rule's conditions as the run applied them", () => {
    const asRun: CampaignRule[] = [
      {
        ...rules[0],
        conditions: { all: [{ fact: 'score', operator: 'greaterThan', value: 0.3 }] },
      },
    ];
    const run: Pick<CampaignRunEntity, 'id' | 'runKey' | 'status' | 'campaign'> = {
      id: 'run-1',
      runKey: 'week-1',
      status: 'succeeded',
      campaign: { ...campaign, rules: asRun, holdoutShare: 0.2 },
    };

    const why = explanationOf(decision, campaign, run);

    expect(why.rule).toEqual({
      name: 'likely',
      priority: 2,
      conditions: asRun[0].conditions,
      event: rules[0].event,
    });
    expect(why.applied).toMatchObject({ revision: 2, holdoutShare: 0.2 });
    expect(why.run).toEqual({ id: 'run-1', runKey: 'week-1', status: 'succeeded' });
    expect(why.note).toBeNull();
  });

  it('says so when the rules of a real-time decision changed since', () => {
    const why = explanationOf({ ...decision, runId: null }, campaign, null);

    expect(why.rule).toBeNull();
    expect(why.applied).toBeNull();
    expect(why.note).toContain('revision 2 then, 4 now');
  });
});
