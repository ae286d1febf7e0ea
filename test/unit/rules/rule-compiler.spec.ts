import { readFileSync } from 'fs';
import { join } from 'path';
import { Engine, RuleProperties } from 'json-rules-engine';
import {
  CampaignRule,
  RuleCompileError,
  RuleCondition,
  RuleEvaluationError,
  compileRules,
} from '../../../src/modules/campaigns/rules';

interface SemanticsCase {
  name: string;
  rule?: CampaignRule;
  rules?: CampaignRule[];
  facts: Record<string, unknown>;
  engineOptions: { allowUndefinedFacts?: boolean };
  jsonRulesEngine: { fired?: boolean; firedInOrder?: string[] };
}

const cases: SemanticsCase[] = JSON.parse(
  readFileSync(join(__dirname, '../../../../shared/cases/rules-semantics.json'), 'utf8'),
);

const asEngineRules = (rules: CampaignRule[]) => rules as unknown as RuleProperties[];

function ruleOf(conditions: CampaignRule['conditions'], name = 'r'): CampaignRule {
  return { name, conditions, event: { type: 'email', params: { template: 't1' } } };
}

const fact = (name: string, operator: string, value: unknown, path?: string): RuleCondition =>
  ({ fact: name, operator, value, ...(path ? { path } : {}) }) as RuleCondition;

async function engineFires(rule: CampaignRule, facts: Record<string, unknown>): Promise<boolean> {
  const result = await new Engine(asEngineRules([rule]), { allowUndefinedFacts: true }).run(facts);

  return result.events.length === 1;
}

describe('compileRules on the recorded json-rules-engine cases', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, semantics) => {
    const rules = semantics.rules ?? [semantics.rule as CampaignRule];
    const fired = compileRules(rules, semantics.engineOptions).evaluate(semantics.facts);
    const types = fired.map((rule) => rule.event.type);

    const expected = semantics.jsonRulesEngine;
    if (expected.firedInOrder) {
      expect(types).toEqual(expected.firedInOrder);
    } else {
      expect(fired.length > 0).toBe(expected.fired);
    }

    // The recording still holds for the installed engine.
    const live = await new Engine(asEngineRules(rules), semantics.engineOptions).run(
      semantics.facts,
    );
    expect(live.events.map((event) => event.type)).toEqual(types);
  });
});

describe('compileRules reproduces the engine where it surprises', () => {
  const nanList = [1, 2, 3, 4, 5, 6, 7, 8, 9, Number.NaN];
  const quirks: [string, RuleCondition, Record<string, unknown>, boolean][] = [
    [
      'a numeric string compares as a number',
      fact('balance', 'greaterThan', 5),
      { balance: '12' },
      true,
    ],
    [
      'text starting with digits passes the number check, then compares false',
      fact('balance', 'greaterThan', 5),
      { balance: '12abc' },
      false,
    ],
    ['null is not a number', fact('balance', 'lessThan', 4), { balance: null }, false],
    [
      'not: turns the failed number check into a pass',
      fact('balance', 'not:lessThan', 4),
      { balance: null },
      true,
    ],
    [
      'true is not a number although true > 0',
      fact('flag', 'greaterThan', 0),
      { flag: true },
      false,
    ],
    [
      'a one-number array passes the number check',
      fact('balance', 'lessThan', 5),
      { balance: [3] },
      true,
    ],
    ['equal is strict', fact('balance', 'equal', 5), { balance: '5' }, false],
    ['NaN is never in a list (long list)', fact('x', 'in', nanList), { x: Number.NaN }, false],
    [
      'NaN is never in a list (short list)',
      fact('x', 'in', [Number.NaN]),
      { x: Number.NaN },
      false,
    ],
    ['notIn holds for NaN', fact('x', 'notIn', nanList), { x: Number.NaN }, true],
    ['-0 is in a list holding 0', fact('x', 'in', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { x: -0 }, true],
    [
      'in against text searches for a substring',
      fact('job', 'in', 'admin.technician'),
      { job: 'tech' },
      true,
    ],
    ['contains on text is false', fact('tags', 'contains', 'vip'), { tags: 'vip' }, false],
    [
      'doesNotContain on text is false too',
      fact('tags', 'doesNotContain', 'x'),
      { tags: 'vip' },
      false,
    ],
    ['a missing fact is undefined', fact('age', 'equal', null), {}, false],
    ['an Object.prototype name is not a fact', fact('constructor', 'equal', undefined), {}, true],
    [
      'a path on a non-object reads the value itself',
      fact('score', 'equal', 0.5, '$.x'),
      { score: 0.5 },
      true,
    ],
    [
      'a path follows own properties of text',
      fact('c', 'equal', 4, '$.contact.length'),
      { c: { contact: 'text' } },
      true,
    ],
    [
      'a path through a missing key reads undefined',
      fact('c', 'equal', undefined, '$.a.b'),
      { c: { a: 5 } },
      true,
    ],
    [
      'ISO dates compare as text',
      fact('last', 'greaterThan', '2024-12-31'),
      { last: '2025-02-01' },
      true,
    ],
    ['everyFact passes on an empty list', fact('tags', 'everyFact:equal', 'x'), { tags: [] }, true],
    ['someValue tries each value', fact('job', 'someValue:equal', ['a', 'b']), { job: 'b' }, true],
    [
      'someFact:not:equal nests decorators',
      fact('tags', 'someFact:not:equal', 'vip'),
      { tags: ['vip'] },
      false,
    ],
    [
      'a fact reference compares two facts',
      fact('campaign', 'lessThan', { fact: 'previous' }),
      { campaign: 1, previous: 3 },
      true,
    ],
    [
      'a fact reference reads a path',
      fact('campaign', 'equal', { fact: 'h', path: '$.email' }),
      { campaign: 2, h: { email: 2 } },
      true,
    ],
  ];

  it.each(quirks)('%s', async (_label, condition, facts, expected) => {
    const rule = ruleOf({ all: [condition] });

    expect(compileRules([rule]).evaluate(facts).length > 0).toBe(expected);
    expect(await engineFires(rule, facts)).toBe(expected);
  });

  it.each([
    ['all', { all: [] }],
    ['any', { any: [] }],
  ])('passes an empty %s, as the engine does', async (_key, conditions) => {
    const rule = ruleOf(conditions as CampaignRule['conditions']);

    expect(compileRules([rule]).evaluate({})).toHaveLength(1);
    expect(await engineFires(rule, {})).toBe(true);
  });

  const failures: [string, CampaignRule['conditions'], Record<string, unknown>][] = [
    ['in against a number', { all: [fact('job', 'in', 5)] }, { job: 'admin.' }],
    ['in against a missing fact', { all: [fact('job', 'in', { fact: 'jobs' })] }, { job: 'x' }],
    ['someValue with one value', { all: [fact('job', 'someValue:equal', 'a')] }, { job: 'a' }],
    [
      'a failing condition after one that already decided the all',
      { all: [fact('score', 'greaterThan', 2), fact('job', 'in', { fact: 'jobs' })] },
      { score: 0.5, job: 'x' },
    ],
  ];

  it.each(failures)('throws where the engine rejects: %s', async (_label, conditions, facts) => {
    const rule = ruleOf(conditions);

    expect(() => compileRules([rule]).evaluate(facts)).toThrow(RuleEvaluationError);
    await expect(
      new Engine(asEngineRules([rule]), { allowUndefinedFacts: true }).run(facts),
    ).rejects.toThrow();
  });

  it('throws on a missing fact when undefined facts are not allowed', async () => {
    const rule = ruleOf({ all: [fact('age', 'greaterThan', 18)] });
    const compiled = compileRules([rule], { allowUndefinedFacts: false });

    expect(compiled.evaluate({ age: 30 })).toHaveLength(1);
    expect(() => compiled.evaluate({})).toThrow(/Undefined fact: age/);
    await expect(new Engine(asEngineRules([rule])).run({})).rejects.toThrow(/Undefined fact: age/);
  });
});

describe('compileRules reports in the engine order', () => {
  const a1 = fact('a', 'equal', 1);
  const rules: CampaignRule[] = [
    ruleOf({ all: [{ any: [{ all: [a1, a1] }, fact('a', 'equal', 2)] }, a1] }, 'deep'),
    ruleOf({ all: [a1] }, 'flat1'),
    ruleOf({ all: [fact('o', 'equal', undefined, '$.x'), a1] }, 'path'),
    ruleOf({ all: [a1, a1] }, 'flat2'),
    ruleOf({ not: fact('a', 'equal', 2) }, 'not'),
  ];

  it.each([
    ['present', { a: 1, o: {} }, ['flat1', 'not', 'flat2', 'path', 'deep']],
    ['absent', { a: 1 }, ['flat1', 'not', 'path', 'flat2', 'deep']],
  ])('of settlement within one priority (path fact %s)', async (_presence, facts, expected) => {
    const names = compileRules(rules)
      .evaluate(facts)
      .map((rule) => rule.name);
    const live = await new Engine(asEngineRules(rules), { allowUndefinedFacts: true }).run(facts);

    expect(names).toEqual(expected);
    expect(live.results.map((result) => result.name)).toEqual(expected);
  });

  it('puts higher priorities first, whatever the shape', () => {
    const ranked = [
      { ...rules[0], priority: 3 },
      { ...rules[1], priority: 1 },
      { ...rules[3], priority: 7 },
    ];

    const fired = compileRules(ranked).evaluate({ a: 1 });

    expect(fired.map((rule) => [rule.name, rule.priority])).toEqual([
      ['flat2', 7],
      ['deep', 3],
      ['flat1', 1],
    ]);
  });
});

describe('compileRules explains each fired rule', () => {
  const reasonOf = (conditions: CampaignRule['conditions'], facts: Record<string, unknown>) =>
    compileRules([ruleOf(conditions)]).evaluate(facts)[0]?.reason;

  it('joins the conditions of an all', () => {
    const conditions = {
      all: [
        fact('score', 'greaterThanInclusive', 0.5),
        fact('job', 'in', ['management', 'admin.']),
      ],
    };

    expect(reasonOf(conditions, { score: 0.62, job: 'admin.' })).toBe(
      'score 0.62 >= 0.5 and job in [management, admin.]',
    );
  });

  it('names the branch of an any that passed, with not spelled out', () => {
    const conditions = {
      any: [
        fact('balance', 'greaterThanInclusive', 10000),
        { all: [fact('score', 'greaterThan', 0.8), { not: fact('loan', 'equal', 'yes') }] },
      ],
    };

    expect(reasonOf(conditions, { score: 0.9, loan: 'no', balance: 5 })).toBe(
      'score 0.9 > 0.8 and not (loan = yes)',
    );
  });

  it('shows a negated any as the alternatives that all failed', () => {
    const conditions = {
      not: { any: [fact('job', 'equal', 'student'), fact('age', 'lessThan', 18)] },
    };

    expect(reasonOf(conditions, { job: 'retired', age: 70 })).toBe(
      'not (job = student or age 70 < 18)',
    );
  });

  it('writes each reason only when read when asked to, the same as when not', () => {
    const rules = [
      ruleOf({ all: [fact('score', 'greaterThan', 0.5)] }),
      {
        ...ruleOf({ any: [fact('job', 'in', ['admin.']), fact('age', 'lessThan', 30)] }),
        name: 'q',
      },
    ];
    const compiled = compileRules(rules);
    const facts = { score: 0.7, job: 'admin.', age: 20 };
    const eager = compiled.evaluate(facts);
    const lazy = compiled.evaluateLazily(facts);

    expect(lazy.map((r) => [r.name, r.priority, r.event, r.reason])).toEqual(
      eager.map((r) => [r.name, r.priority, r.event, r.reason]),
    );
    expect(lazy[1].reason).toBe('job in [admin.]');
    expect(lazy[1].reason).toBe(lazy[1].reason);
  });

  it('labels paths, references, missing facts and long lists', () => {
    const conditions = {
      all: [
        fact('days_since_last_action', 'greaterThan', 30, '$.email'),
        fact('campaign', 'lessThan', { fact: 'previous' }),
        fact('age', 'notEqual', 10),
        fact('job', 'notIn', ['a', 'b', 'c', 'd', 'e', 'f', 'g']),
      ],
    };
    const facts = { days_since_last_action: { email: 45 }, campaign: 1, previous: 3, job: 'x' };

    expect(reasonOf(conditions, facts)).toBe(
      'days_since_last_action.email 45 > 30 and campaign 1 < previous 3 and ' +
        'age (missing) != 10 and job x not in [a, b, c, d, e, … 2 more]',
    );
  });
});

describe('compileRules', () => {
  it('returns the event as the engine does, shared and frozen', () => {
    const rule = ruleOf({ all: [fact('a', 'equal', 1)] });
    const compiled = compileRules([rule, { ...rule, name: 'bare', event: { type: 'ad' } }]);

    const [first, bare] = compiled.evaluate({ a: 1 });
    const [again] = compiled.evaluate({ a: 1 });

    expect(first.event).toEqual({ type: 'email', params: { template: 't1' } });
    expect(bare.event).toEqual({ type: 'ad' });
    expect(again.event).toBe(first.event);
    expect(Object.isFrozen(first.event.params)).toBe(true);
    expect(compiled.size).toBe(2);
  });

  it('returns plain data that survives JSON, spreading and cloning', () => {
    const rule = ruleOf({ all: [fact('score', 'greaterThan', 0.5)] });
    const [fired] = compileRules([rule]).evaluate({ score: 0.7 });
    const expected = {
      name: 'r',
      priority: 1,
      event: { type: 'email', params: { template: 't1' } },
      reason: 'score 0.7 > 0.5',
    };

    expect(JSON.parse(JSON.stringify(fired))).toEqual(expected);
    expect({ ...fired }).toEqual(expected);
    expect(structuredClone(fired)).toEqual(expected);
  });

  it('is not affected by changes to the rules after compiling', () => {
    const list = ['admin.'];
    const rule = ruleOf({ all: [fact('job', 'in', list)] });
    const compiled = compileRules([rule]);

    list[0] = 'student';
    (rule.event.params as Record<string, unknown>).template = 'changed';

    const [fired] = compiled.evaluate({ job: 'admin.' });
    expect(fired.event.params).toEqual({ template: 't1' });
  });

  it.each([
    ['a filter path', fact('h', 'equal', 1, '$[?(@.x)]'), /path/],
    ['an unknown operator', fact('a', 'gte', 1), /unknown operator "gte"/],
    [
      'a condition priority',
      { ...fact('a', 'equal', 1), priority: 2 } as unknown as RuleCondition,
      /priorit/,
    ],
  ])('refuses %s', (_label, condition, message) => {
    const compile = () => compileRules([ruleOf({ all: [condition] })]);

    expect(compile).toThrow(RuleCompileError);
    expect(compile).toThrow(message);
  });
});
