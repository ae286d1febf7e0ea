import { CustomerCase, factsOf } from '../../../src/modules/campaigns/decision-core';
import { DAY_MS } from '../../../src/modules/campaigns/frequency-caps';

const now = Date.parse('2026-12-01T12:00:00.000Z');

function customer(attributes: CustomerCase['attributes']): CustomerCase {
  return {
    key: 'customer-1',
    attributes,
    score: 0.62,
    decile: 2,
    contacts: [{ action: 'email', at: now - 3 * DAY_MS }],
    suppression: null,
  };
}

describe('factsOf', () => {
  it('gives the attributes, then score, decile and contact history, in that order', () => {
    const facts = factsOf(customer({ job: 'management', age: 41, income: null }), now);

    expect(Object.keys(facts)).toEqual([
      'job',
      'age',
      'income',
      'score',
      'score_decile',
      'days_since_last_action',
      'actions_last_30d',
    ]);
    expect(facts).toEqual({
      job: 'management',
      age: 41,
      income: null,
      score: 0.62,
      score_decile: 2,
      days_since_last_action: { email: 3, any: 3 },
      actions_last_30d: { email: 1, any: 1 },
    });
  });

  it('lets the built-in facts win over attributes of the same name, in their place', () => {
    const attributes = { score: 'imported', plan: 'basic' };
    const facts = factsOf(customer(attributes), now);

    expect(Object.keys(facts).slice(0, 3)).toEqual(['score', 'plan', 'score_decile']);
    expect(facts.score).toBe(0.62);
    expect(attributes.score).toBe('imported');
  });

  it('copies an attribute named __proto__ as a fact, leaving the prototype alone', () => {
    const attributes = JSON.parse('{"__proto__": "x", "plan": "basic"}');
    const facts = factsOf(customer(attributes), now);

    expect(Object.hasOwn(facts, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(facts)).toBe(Object.prototype);
    expect(Object.keys(facts).slice(0, 2)).toEqual(['__proto__', 'plan']);
  });

  it('is a new object each time: changing the facts leaves the attributes as they were', () => {
    const attributes = { plan: 'basic' };
    const facts = factsOf(customer(attributes), now);
    facts.plan = 'premium';

    expect(attributes).toEqual({ plan: 'basic' });
  });
});
