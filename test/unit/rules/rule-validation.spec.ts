import { UserError } from '../../../src/common/errors';
import {
  FactType,
  RULE_LIMITS,
  RuleError,
  rulesInvalid,
  validateRules,
} from '../../../src/modules/campaigns/rules';
import { editDistance } from '../../../src/modules/campaigns/rules/rule-messages';

const facts: Record<string, FactType> = {
  age: 'numeric',
  balance: 'numeric',
  job: 'categorical',
  housing: 'boolean',
  last_purchase: 'date',
  customer_id: 'identifier',
  tags: 'list',
};

const context = { facts };

/** A valid rule whose single condition (or conditions root) a case replaces. */
function ruleWith(condition: unknown, extra: Record<string, unknown> = {}) {
  return {
    name: 'r',
    conditions: { all: [condition] },
    event: { type: 'email', params: { template: 't1' } },
    ...extra,
  };
}

function errorsOf(rules: unknown): RuleError[] {
  const result = validateRules(rules, context);

  return result.ok ? [] : result.errors;
}

const codes = (rules: unknown) => errorsOf(rules).map((error) => [error.path, error.code]);

const c0 = '$[0].conditions.all[0]';

describe('validateRules accepts', () => {
  it('a rule using every kind of fact, operator and nesting, returned as a copy', () => {
    const rules = [
      {
        name: 'win-back',
        priority: 10,
        conditions: {
          all: [
            { fact: 'score', operator: 'greaterThanInclusive', value: 0.5 },
            { fact: 'score_decile', operator: 'lessThanInclusive', value: 3 },
            { fact: 'days_since_last_action', path: '$.email', operator: 'greaterThan', value: 30 },
            { fact: 'actions_last_30d', path: '$.any', operator: 'lessThan', value: 4 },
            { fact: 'job', operator: 'in', value: ['management', 'admin.'] },
            { fact: 'housing', operator: 'equal', value: true },
            { fact: 'last_purchase', operator: 'lessThan', value: '2025-01-31' },
            { fact: 'customer_id', operator: 'notIn', value: ['c1', 'c2'] },
            { fact: 'tags', operator: 'doesNotContain', value: 'churned' },
            { fact: 'tags', operator: 'someFact:equal', value: 'vip' },
            { fact: 'job', operator: 'someValue:equal', value: ['student', 'retired'] },
            { fact: 'age', operator: 'lessThan', value: { fact: 'balance' } },
            { fact: 'balance', operator: 'equal', value: null },
            {
              any: [
                { not: { fact: 'job', operator: 'equal', value: 'student' } },
                { fact: 'age', operator: 'not:greaterThan', value: 65 },
              ],
            },
          ],
        },
        event: { type: 'promo', params: { offer: '10pct', audience: 'lapsed' } },
      },
      {
        name: 'ad',
        conditions: { not: { fact: 'score', operator: 'lessThan', value: 0.2 } },
        event: { type: 'ad' },
      },
    ];

    const result = validateRules(rules, context);

    expect(result).toEqual({ ok: true, rules });
    expect(result.ok && result.rules[0]).not.toBe(rules[0]);
  });

  it('no rules at all', () => {
    expect(validateRules([], context)).toEqual({ ok: true, rules: [] });
  });
});

describe('validateRules refuses', () => {
  it.each<[string, unknown, [string, string][]]>([
    ['rules that are not an array', { name: 'r' }, [['$', 'rules_not_array']]],
    ['a rule that is not an object', ['r'], [['$[0]', 'rule_invalid']]],
    [
      'an unknown operator',
      [ruleWith({ fact: 'score', operator: 'gte', value: 0.5 })],
      [[`${c0}.operator`, 'operator_unknown']],
    ],
    [
      'the swap decorator',
      [ruleWith({ fact: 'job', operator: 'swap:in', value: ['a'] })],
      [[`${c0}.operator`, 'operator_unsupported']],
    ],
    [
      'an event type outside the four actions',
      [{ ...ruleWith({ fact: 'score', operator: 'equal', value: 1 }), event: { type: 'sms' } }],
      [['$[0].event.type', 'event_type_unknown']],
    ],
    [
      'event params that are not an object',
      [
        {
          ...ruleWith({ fact: 'score', operator: 'equal', value: 1 }),
          event: { type: 'ad', params: 'x' },
        },
      ],
      [['$[0].event.params', 'event_params_invalid']],
    ],
    [
      'a rule without event or conditions',
      [{ name: 'r' }],
      [
        ['$[0].event', 'event_missing'],
        ['$[0].conditions', 'conditions_missing'],
      ],
    ],
    [
      'an empty all',
      [{ ...ruleWith(null), conditions: { all: [] } }],
      [['$[0].conditions.all', 'condition_empty']],
    ],
    ['an empty nested any', [ruleWith({ any: [] })], [[`${c0}.any`, 'condition_empty']]],
    [
      'an all that is not an array',
      [ruleWith({ all: {} })],
      [[`${c0}.all`, 'condition_not_array']],
    ],
    [
      'in with a value that is not an array',
      [ruleWith({ fact: 'job', operator: 'in', value: 'admin.' })],
      [[`${c0}.value`, 'value_not_array']],
    ],
    [
      'notIn with an empty list',
      [ruleWith({ fact: 'job', operator: 'notIn', value: [] })],
      [[`${c0}.value`, 'value_empty']],
    ],
    [
      'contains on a fact that is not a list',
      [ruleWith({ fact: 'job', operator: 'contains', value: 'admin' })],
      [[`${c0}.operator`, 'operator_type_mismatch']],
    ],
    [
      'someFact on a fact that is not a list',
      [ruleWith({ fact: 'age', operator: 'someFact:equal', value: 3 })],
      [[`${c0}.operator`, 'operator_type_mismatch']],
    ],
    [
      'a comparison without fact, operator and value',
      [ruleWith({})],
      [
        [`${c0}.fact`, 'fact_missing'],
        [`${c0}.operator`, 'operator_missing'],
        [`${c0}.value`, 'value_missing'],
      ],
    ],
    [
      'both all and any',
      [{ ...ruleWith(null), conditions: { all: [], any: [] } }],
      [['$[0].conditions', 'condition_ambiguous']],
    ],
    [
      'a boolean condition mixed with a comparison',
      [ruleWith({ not: { fact: 'age', operator: 'equal', value: 1 }, fact: 'age' })],
      [[c0, 'condition_ambiguous']],
    ],
    [
      'not with an array',
      [ruleWith({ not: [{ fact: 'age', operator: 'equal', value: 1 }] })],
      [[`${c0}.not`, 'not_is_array']],
    ],
    [
      'unknown keys on rules, events and conditions',
      [
        {
          ...ruleWith({ fact: 'age', operator: 'equal', value: 1, comment: 'x' }),
          onSuccess: 'x',
          event: { type: 'ad', channel: 'x' },
        },
      ],
      [
        ['$[0].onSuccess', 'key_unknown'],
        ['$[0].event.channel', 'key_unknown'],
        [`${c0}.comment`, 'key_unknown'],
      ],
    ],
    [
      'engine keys Bullseye does not support',
      [ruleWith({ fact: 'age', operator: 'equal', value: 1, priority: 2, params: {} })],
      [
        [`${c0}.priority`, 'condition_priority_unsupported'],
        [`${c0}.params`, 'fact_params_unsupported'],
      ],
    ],
    [
      'a shared condition reference',
      [{ ...ruleWith(null), conditions: { condition: 'vip' } }],
      [['$[0].conditions', 'condition_reference_unsupported']],
    ],
    [
      'a root that is a comparison',
      [{ ...ruleWith(null), conditions: { fact: 'age', operator: 'equal', value: 1 } }],
      [['$[0].conditions', 'conditions_invalid']],
    ],
    [
      'a non-numeric value for a numeric comparison',
      [ruleWith({ fact: 'score', operator: 'greaterThan', value: '0.5' })],
      [[`${c0}.value`, 'value_not_number']],
    ],
    [
      'a numeric comparison on a categorical fact',
      [ruleWith({ fact: 'job', operator: 'lessThan', value: 3 })],
      [[`${c0}.operator`, 'operator_type_mismatch']],
    ],
    [
      'a date compared with a number',
      [ruleWith({ fact: 'last_purchase', operator: 'lessThan', value: 20250101 })],
      [[`${c0}.value`, 'value_not_date']],
    ],
    [
      'a threshold the score can never reach',
      [ruleWith({ fact: 'score', operator: 'greaterThan', value: 50 })],
      [[`${c0}.value`, 'value_out_of_range']],
    ],
    [
      'a decile that is not an integer from 1 to 10',
      [ruleWith({ fact: 'score_decile', operator: 'in', value: [1, 2.5, 11] })],
      [
        [`${c0}.value[1]`, 'value_out_of_range'],
        [`${c0}.value[2]`, 'value_out_of_range'],
      ],
    ],
    [
      'a value of the wrong type for equality',
      [ruleWith({ fact: 'housing', operator: 'equal', value: 'yes' })],
      [[`${c0}.value`, 'value_type_mismatch']],
    ],
    [
      'a list item of the wrong type',
      [ruleWith({ fact: 'job', operator: 'in', value: ['admin.', 3] })],
      [[`${c0}.value[1]`, 'value_type_mismatch']],
    ],
    [
      'equal with a list',
      [ruleWith({ fact: 'job', operator: 'equal', value: ['admin.'] })],
      [[`${c0}.value`, 'value_type_mismatch']],
    ],
    [
      'an object value that is not a fact reference',
      [ruleWith({ fact: 'age', operator: 'equal', value: { min: 3 } })],
      [[`${c0}.value`, 'value_type_mismatch']],
    ],
    [
      'a reference to an unknown fact',
      [ruleWith({ fact: 'age', operator: 'lessThan', value: { fact: 'salary' } })],
      [[`${c0}.value.fact`, 'fact_unknown']],
    ],
    [
      'a reference to a fact of another type',
      [ruleWith({ fact: 'age', operator: 'lessThan', value: { fact: 'job' } })],
      [[`${c0}.value`, 'value_type_mismatch']],
    ],
    [
      'a path with a filter',
      [
        ruleWith({
          fact: 'days_since_last_action',
          path: '$[?(@.email > 3)]',
          operator: 'equal',
          value: 1,
        }),
      ],
      [[`${c0}.path`, 'path_invalid']],
    ],
    [
      'a deep path',
      [
        ruleWith({
          fact: 'days_since_last_action',
          path: '$.email.x',
          operator: 'equal',
          value: 1,
        }),
      ],
      [[`${c0}.path`, 'path_invalid']],
    ],
    [
      'a path on a fact that is not an object',
      [ruleWith({ fact: 'age', path: '$.x', operator: 'equal', value: 1 })],
      [[`${c0}.path`, 'path_not_allowed']],
    ],
    [
      'contact history without a path',
      [ruleWith({ fact: 'actions_last_30d', operator: 'greaterThan', value: 1 })],
      [[`${c0}.path`, 'path_required']],
    ],
    [
      'contact history keyed by something other than an action',
      [ruleWith({ fact: 'actions_last_30d', path: '$.sms', operator: 'greaterThan', value: 1 })],
      [[`${c0}.path`, 'path_key_unknown']],
    ],
    [
      'priorities that are not positive integers',
      [0, 1.5, '2', -1].map((priority, i) => ({
        ...ruleWith({ fact: 'age', operator: 'equal', value: 1 }),
        name: `r${i}`,
        priority,
      })),
      [0, 1, 2, 3].map((i) => [`$[${i}].priority`, 'rule_priority_invalid'] as [string, string]),
    ],
    [
      'duplicate and missing names',
      [
        ruleWith({ fact: 'age', operator: 'equal', value: 1 }),
        ruleWith({ fact: 'age', operator: 'equal', value: 2 }),
        { ...ruleWith({ fact: 'age', operator: 'equal', value: 3 }), name: undefined },
        { ...ruleWith({ fact: 'age', operator: 'equal', value: 3 }), name: '' },
      ].map((rule) =>
        rule.name === undefined ? { conditions: rule.conditions, event: rule.event } : rule,
      ),
      [
        ['$[1].name', 'rule_name_duplicate'],
        ['$[2].name', 'rule_name_missing'],
        ['$[3].name', 'rule_name_invalid'],
      ],
    ],
  ])('%s', (_label, rules, expected) => {
    expect(codes(rules)).toEqual(expected);
  });

  it('an unknown fact, suggesting the closest known name', () => {
    const [error] = errorsOf([ruleWith({ fact: 'balanse', operator: 'greaterThan', value: 1 })]);

    expect(error.code).toBe('fact_unknown');
    expect(error.path).toBe(`${c0}.fact`);
    expect(error.message).toContain('did you mean "balance"?');
  });

  it('nesting deeper than the limit', () => {
    let condition: unknown = { fact: 'age', operator: 'equal', value: 1 };
    for (let level = 0; level <= RULE_LIMITS.depth; level++) condition = { not: condition };
    const rule = { ...ruleWith(null), conditions: condition };

    const errors = errorsOf([rule]);

    expect(errors.map((error) => error.code)).toEqual(['condition_depth_exceeded']);
    expect(errors[0].path).toBe(`$[0].conditions${'.not'.repeat(RULE_LIMITS.depth)}`);
  });

  it('nesting exactly at the limit is fine', () => {
    let condition: unknown = { fact: 'age', operator: 'equal', value: 1 };
    for (let level = 0; level < RULE_LIMITS.depth - 1; level++) condition = { not: condition };

    expect(errorsOf([{ ...ruleWith(null), conditions: { not: condition } }])).toEqual([]);
  });

  it('more conditions than a rule may have', () => {
    const many = Array.from({ length: RULE_LIMITS.conditions + 1 }, (_, i) => ({
      fact: 'age',
      operator: 'greaterThan',
      value: i,
    }));

    expect(codes([{ ...ruleWith(null), conditions: { any: many } }])).toEqual([
      ['$[0].conditions', 'rule_conditions_exceeded'],
    ]);
  });

  it('more rules than a campaign may have', () => {
    const rules = Array.from({ length: RULE_LIMITS.rules + 1 }, (_, i) => ({
      ...ruleWith(null),
      name: `r${i}`,
    }));

    expect(codes(rules)).toEqual([['$', 'rules_exceeded']]);
  });

  it('with every message naming its path, in document order, up to the error limit', () => {
    const bad = (i: number) => ({
      ...ruleWith({ fact: 'nope', operator: 'equal', value: 1 }),
      name: `r${i}`,
    });
    const errors = errorsOf(Array.from({ length: 150 }, (_, i) => bad(i)));

    expect(errors).toHaveLength(RULE_LIMITS.errors);
    expect(errors.every((error) => error.message.startsWith(`${error.path}: `))).toBe(true);
    expect(errors.slice(0, 2).map((error) => error.path)).toEqual([
      '$[0].conditions.all[0].fact',
      '$[1].conditions.all[0].fact',
    ]);
  });
});

describe('rulesInvalid', () => {
  it('is a 400 rules_invalid UserError whose details carry each path', () => {
    const errors = errorsOf([
      ruleWith({ fact: 'score', operator: 'gte', value: 0.5 }),
      {
        ...ruleWith({ fact: 'x', operator: 'equal', value: 1 }),
        name: 'b',
        event: { type: 'sms' },
      },
    ]);

    const error = rulesInvalid(errors);

    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe('rules_invalid');
    expect(error.status).toBe(400);
    expect(error.details.map((detail) => [detail.path, detail.code])).toEqual([
      ['$[0].conditions.all[0].operator', 'operator_unknown'],
      ['$[1].event.type', 'event_type_unknown'],
      ['$[1].conditions.all[0].fact', 'fact_unknown'],
    ]);
    expect(error.message).toMatch(
      /^The campaign rules are invalid: \$\[0\]\.conditions\.all\[0\]\.operator: unknown operator "gte"/,
    );
  });

  it('lists the first three errors and counts the rest', () => {
    const errors = errorsOf(
      Array.from({ length: 5 }, (_, i) => ({
        ...ruleWith({ fact: 'x', operator: 'equal', value: 1 }),
        name: `r${i}`,
      })),
    );

    expect(rulesInvalid(errors).message).toMatch(/; and 2 more\.$/);
  });
});

describe('editDistance', () => {
  it.each([
    ['balance', 'balanse', 1],
    ['score', 'score', 0],
    ['job', 'jobs', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  it('stops at the limit', () => {
    expect(editDistance('abcdef', 'uvwxyz', 3)).toBe(3);
  });
});
