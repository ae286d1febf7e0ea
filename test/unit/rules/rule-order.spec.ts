import {
  orderShape,
  settlementOrder,
  timingFacts,
} from '../../../src/modules/campaigns/rules/rule-order';
import { RuleCondition } from '../../../src/modules/campaigns/rules';

const a1: RuleCondition = { fact: 'a', operator: 'equal', value: 1 };
const viaPath: RuleCondition = { fact: 'o', path: '$.x', operator: 'equal', value: 1 };
const viaReference: RuleCondition = {
  fact: 'a',
  operator: 'equal',
  value: { fact: 'h', path: '$.email' },
};

// Orders observed from json-rules-engine 7.3.1 for these shapes (also checked live in
// rule-compiler.spec.ts and, at random, in rule-equivalence.spec.ts).
const shapes = [
  { all: [{ any: [{ all: [a1, a1] }, a1] }, a1] },
  { all: [a1] },
  { all: [viaPath, a1] },
  { all: [a1, a1] },
  { not: a1 },
].map(orderShape);

describe('settlementOrder', () => {
  it('reports shallow rules before deep ones given earlier', () => {
    expect(settlementOrder(shapes, () => true)).toEqual([1, 4, 3, 2, 0]);
  });

  it('moves a rule earlier when the fact it reads through a path is missing', () => {
    expect(settlementOrder(shapes, () => false)).toEqual([1, 4, 2, 3, 0]);
  });

  it('keeps the given order among rules of the same shape', () => {
    const same = [{ all: [a1, a1] }, { all: [a1, a1] }, { all: [a1, a1] }].map(orderShape);

    expect(settlementOrder(same, () => true)).toEqual([0, 1, 2]);
  });

  it('orders nothing and one rule trivially', () => {
    expect(settlementOrder([], () => true)).toEqual([]);
    expect(settlementOrder([orderShape({ any: [a1] })], () => true)).toEqual([0]);
  });
});

describe('timingFacts', () => {
  it('lists the facts read through a path, on either side, once each', () => {
    const found = timingFacts(
      [{ all: [viaPath, a1, { not: viaReference }] }, { any: [viaPath] }].map(orderShape),
    );

    expect(found).toEqual(['o', 'h']);
  });

  it('is empty for flat facts', () => {
    expect(timingFacts(shapes.filter((_, i) => i !== 2))).toEqual([]);
  });
});
