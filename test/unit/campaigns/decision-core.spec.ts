import type { FrequencyCap } from '../../../src/modules/campaigns/campaign-validation';
import {
  CampaignPolicySource,
  contactsOf,
  countDecision,
  CustomerCase,
  decideCustomer,
  deliveredSlots,
  emptyCounts,
  inAudience,
  prepareCampaign,
} from '../../../src/modules/campaigns/decision-core';
import { ContactEvent, DAY_MS } from '../../../src/modules/campaigns/frequency-caps';
import { inHoldout } from '../../../src/modules/campaigns/holdout';
import type { CampaignRule } from '../../../src/modules/campaigns/rules';

const now = Date.parse('2026-12-01T12:00:00.000Z');

const highScore: CampaignRule = {
  name: 'high-score',
  priority: 10,
  conditions: {
    all: [
      { fact: 'score', operator: 'greaterThanInclusive', value: 0.5 },
      { fact: 'job', operator: 'in', value: ['management'] },
    ],
  },
  event: { type: 'email', params: { template: 'offer' } },
};
const topDecile: CampaignRule = {
  name: 'top-decile',
  priority: 5,
  conditions: { all: [{ fact: 'score_decile', operator: 'equal', value: 1 }] },
  event: { type: 'ad', params: { creative: 'banner' } },
};
const anyone: CampaignRule = {
  name: 'anyone',
  priority: 1,
  conditions: { all: [] },
  event: { type: 'email', params: { template: 'newsletter' } },
};

function campaign(overrides: Partial<CampaignPolicySource> = {}): CampaignPolicySource {
  return {
    id: 'campaign-1',
    rules: [highScore, topDecile, anyone],
    audience: null,
    holdoutShare: 0,
    frequencyCaps: [],
    arbitration: 'one_per_customer',
    ...overrides,
  };
}

function customer(overrides: Partial<CustomerCase> = {}): CustomerCase {
  return {
    key: 'customer-1',
    attributes: { job: 'management', age: 41 },
    score: 0.62,
    decile: 1,
    contacts: [],
    suppression: null,
    ...overrides,
  };
}

const emails = (...daysAgo: number[]): ContactEvent[] =>
  daysAgo.map((days) => ({ action: 'email', at: now - days * DAY_MS }));

const cap = (action: FrequencyCap['action'], max: number, windowDays: number): FrequencyCap => ({
  action,
  max,
  windowDays,
});

/** A customer key in (or out of) the holdout of `campaign-1` at `share`. */
function keyWhere(share: number, held: boolean): string {
  for (let i = 0; ; i++) {
    if (inHoldout('campaign-1', `customer-${i}`, share) === held) return `customer-${i}`;
  }
}

describe('decision core: arbitration one_per_customer', () => {
  it('takes the highest-priority fired rule and says why, caps included', () => {
    const policy = prepareCampaign(campaign({ frequencyCaps: [cap('email', 2, 7)] }));
    const decision = decideCustomer(policy, customer({ contacts: emails(3) }), now);

    expect(decision.status).toBe('action');
    expect(decision.slots).toHaveLength(1);
    expect(decision.slots[0]).toMatchObject({
      slot: 'email',
      status: 'action',
      rule: 'high-score',
      priority: 10,
      action: 'email',
      params: { template: 'offer' },
    });
    expect(decision.slots[0].reason).toBe(
      'rule "high-score" (email): score 0.62 >= 0.5 and job in [management]; ' +
        'email cap 2/7d not reached (1 in 7d)',
    );
  });

  it('passes over a capped rule to the next fired rule whose action is free', () => {
    const policy = prepareCampaign(campaign({ frequencyCaps: [cap('email', 1, 7)] }));
    const decision = decideCustomer(policy, customer({ contacts: emails(2) }), now);

    expect(decision.status).toBe('action');
    expect(decision.slots[0]).toMatchObject({ rule: 'top-decile', action: 'ad' });
    expect(decision.slots[0].reason).toContain(
      'higher-priority rules capped: rule "high-score" (email): email cap 1/7d reached (1 in 7d)',
    );
  });

  it('is capped when every fired rule is over a cap, recording the top rule', () => {
    const policy = prepareCampaign(campaign({ frequencyCaps: [cap('any', 1, 30)] }));
    const decision = decideCustomer(policy, customer({ contacts: emails(10) }), now);

    expect(decision.status).toBe('capped');
    expect(deliveredSlots(decision)).toEqual([]);
    expect(decision.slots[0]).toMatchObject({ status: 'capped', rule: 'high-score' });
    expect(decision.slots[0].reason).toMatch(/^every fired rule is capped: rule "high-score"/);
    expect(decision.slots[0].reason).toContain('rule "anyone" (email): any cap 1/30d reached');
  });

  it('no longer caps once the contact has left the window', () => {
    const policy = prepareCampaign(campaign({ frequencyCaps: [cap('email', 1, 7)] }));
    const decision = decideCustomer(policy, customer({ contacts: emails(7.5) }), now);

    expect(decision.slots[0]).toMatchObject({ status: 'action', rule: 'high-score' });
  });

  it('records no_rule when nothing fires', () => {
    const policy = prepareCampaign(campaign({ rules: [highScore, topDecile] }));
    const decision = decideCustomer(
      policy,
      customer({ score: 0.1234567, decile: 7, attributes: { job: 'student' } }),
      now,
    );

    expect(decision.status).toBe('no_rule');
    expect(decision.slots).toEqual([
      expect.objectContaining({ slot: 'none', rule: null, action: null, status: 'no_rule' }),
    ]);
    expect(decision.slots[0].reason).toBe('no rule fired (2 rules; score 0.1235, decile 7)');
  });
});

describe('decision core: arbitration one_per_action', () => {
  it('takes the best rule of each action type', () => {
    const policy = prepareCampaign(campaign({ arbitration: 'one_per_action' }));
    const decision = decideCustomer(policy, customer(), now);

    expect(decision.slots.map((s) => [s.slot, s.status, s.rule])).toEqual([
      ['email', 'action', 'high-score'],
      ['ad', 'action', 'top-decile'],
    ]);
    expect(contactsOf(decision, now)).toEqual([
      { action: 'email', at: now },
      { action: 'ad', at: now },
    ]);
  });

  it('counts the actions it chooses toward the caps of the next ones', () => {
    const policy = prepareCampaign(
      campaign({ arbitration: 'one_per_action', frequencyCaps: [cap('any', 1, 1)] }),
    );
    const decision = decideCustomer(policy, customer(), now);

    expect(decision.status).toBe('action');
    expect(decision.slots.map((s) => [s.slot, s.status])).toEqual([
      ['email', 'action'],
      ['ad', 'capped'],
    ]);
    expect(decision.slots[1].reason).toBe(
      'capped: rule "top-decile" (ad): any cap 1/1d reached (1 in 1d)',
    );
  });
});

describe('decision core: suppression and holdout', () => {
  it('gives a suppressed customer nothing, without reading the rules', () => {
    const throwing: CampaignRule = {
      name: 'bad',
      conditions: { all: [{ fact: 'job', operator: 'in', value: { fact: 'age' } }] },
      event: { type: 'email' },
    };
    const policy = prepareCampaign(campaign({ rules: [throwing], holdoutShare: 0.5 }));
    const decision = decideCustomer(
      policy,
      customer({
        suppression: { reason: 'unsubscribed', source: 'crm', createdAt: '2026-11-01T00:00:00Z' },
      }),
      now,
    );

    expect(decision).toMatchObject({ status: 'suppressed', holdout: false });
    expect(decision.slots).toHaveLength(1);
    expect(decision.slots[0]).toMatchObject({ slot: 'none', action: null, rule: null });
    expect(decision.slots[0].reason).toBe(
      'suppressed (unsubscribed, from crm since 2026-11-01T00:00:00Z), nothing sent',
    );
  });

  it('holds out a customer in the group but records the rule that would have fired', () => {
    const policy = prepareCampaign(campaign({ holdoutShare: 0.5 }));
    const decision = decideCustomer(policy, customer({ key: keyWhere(0.5, true) }), now);

    expect(decision).toMatchObject({ status: 'holdout', holdout: true });
    expect(deliveredSlots(decision)).toEqual([]);
    expect(contactsOf(decision, now)).toEqual([]);
    expect(decision.slots[0]).toMatchObject({
      status: 'holdout',
      rule: 'high-score',
      action: 'email',
    });
    expect(decision.slots[0].reason).toMatch(
      /^holdout \(50% control group\), nothing sent; would have sent email by rule "high-score"/,
    );
  });

  it('decides a customer outside the group as usual, and the same way every time', () => {
    const policy = prepareCampaign(campaign({ holdoutShare: 0.5 }));
    const key = keyWhere(0.5, false);
    const first = decideCustomer(policy, customer({ key }), now);
    const second = decideCustomer(
      prepareCampaign(campaign({ holdoutShare: 0.5 })),
      customer({ key }),
      now + DAY_MS,
    );

    expect(first).toMatchObject({ status: 'action', holdout: false });
    expect(second).toMatchObject({ status: 'action', holdout: false });
  });

  it('holds out a customer for whom no rule fires, with no rule recorded', () => {
    const policy = prepareCampaign(campaign({ rules: [highScore], holdoutShare: 0.5 }));
    const decision = decideCustomer(
      policy,
      customer({ key: keyWhere(0.5, true), score: 0.2 }),
      now,
    );

    expect(decision.slots).toEqual([
      expect.objectContaining({ slot: 'none', status: 'holdout', rule: null }),
    ]);
    expect(decision.slots[0].reason).toContain('no rule fired');
  });
});

describe('decision core: facts and counts', () => {
  it('gives the rules the contact history of every campaign', () => {
    const lapsed: CampaignRule = {
      name: 'lapsed',
      conditions: {
        all: [
          { fact: 'days_since_last_action', path: '$.email', operator: 'greaterThan', value: 7 },
          { fact: 'actions_last_30d', path: '$.any', operator: 'lessThan', value: 2 },
        ],
      },
      event: { type: 'promo' },
    };
    const policy = prepareCampaign(campaign({ rules: [lapsed] }));

    expect(decideCustomer(policy, customer({ contacts: emails(10) }), now).slots[0]).toMatchObject({
      status: 'action',
      rule: 'lapsed',
    });
    expect(decideCustomer(policy, customer({ contacts: emails(3) }), now).status).toBe('no_rule');
    expect(decideCustomer(policy, customer({ contacts: emails(8, 9) }), now).status).toBe(
      'no_rule',
    );
    // Never emailed: the path reads undefined and the comparison is false.
    expect(decideCustomer(policy, customer(), now).status).toBe('no_rule');
  });

  it('applies the audience to attributes', () => {
    const policy = prepareCampaign(
      campaign({
        audience: { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 40 }] },
      }),
    );

    expect(inAudience(policy, { age: 41 })).toBe(true);
    expect(inAudience(policy, { age: 39 })).toBe(false);
    expect(inAudience(prepareCampaign(campaign()), {})).toBe(true);
  });

  it('reports a rule that cannot be evaluated as rule_evaluation_failed', () => {
    const throwing: CampaignRule = {
      name: 'bad',
      conditions: { all: [{ fact: 'job', operator: 'in', value: { fact: 'age' } }] },
      event: { type: 'email' },
    };
    const policy = prepareCampaign(campaign({ rules: [throwing] }));

    expect(() => decideCustomer(policy, customer(), now)).toThrow(
      expect.objectContaining({ code: 'rule_evaluation_failed', status: 422 }),
    );
  });

  it('counts customers by outcome and actions by type and rule', () => {
    const policy = prepareCampaign(
      campaign({ arbitration: 'one_per_action', frequencyCaps: [cap('ad', 1, 7)] }),
    );
    const counts = emptyCounts(policy.ruleNames);
    countDecision(counts, decideCustomer(policy, customer(), now));
    countDecision(
      counts,
      decideCustomer(policy, customer({ contacts: [{ action: 'ad', at: now - DAY_MS }] }), now),
    );
    countDecision(
      counts,
      decideCustomer(policy, customer({ score: 0.1, decile: 9, attributes: {} }), now),
    );

    expect(counts).toEqual({
      customers: 3,
      outOfAudience: 0,
      suppressed: 0,
      holdout: 0,
      noRule: 0,
      capped: 0,
      actioned: 3,
      actions: 4,
      cappedActions: 1,
      decisions: 5,
      byAction: { ad: 1, promo: 0, email: 3, social: 0 },
      byRule: { 'high-score': 2, 'top-decile': 1, anyone: 1 },
    });
  });
});
