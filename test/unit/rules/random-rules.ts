/**
 * Seeded random campaign rules and customers, for comparing the compiled evaluator with
 * json-rules-engine (the equivalence spec and bench/rules.bench.ts).
 */
import { Random } from '../../../src/common/random';
import {
  ACTION_TYPES,
  CampaignRule,
  ContactHistory,
  FactType,
  HISTORY_KEYS,
  RuleCondition,
} from '../../../src/modules/campaigns/rules';

export const RANDOM_FACTS: Record<string, FactType> = {
  age: 'numeric',
  balance: 'numeric',
  campaign: 'numeric',
  previous: 'numeric',
  job: 'categorical',
  marital: 'categorical',
  education: 'categorical',
  loan: 'categorical',
  housing: 'boolean',
  last_purchase: 'date',
  customer_id: 'identifier',
  tags: 'list',
};

const JOBS = ['admin.', 'technician', 'management', 'retired', 'student', 'services'];
const MARITAL = ['married', 'single', 'divorced'];
const EDUCATION = ['primary', 'secondary', 'tertiary', 'unknown'];
const TAGS = ['vip', 'new', 'churn-risk', 'app', 'newsletter'];
const DATES = ['2024-01-15', '2024-06-30', '2025-02-01', '2025-09-12'];

export interface RandomOptions {
  /** Only scalar facts, no contact history read through a path. */
  flat?: boolean;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[random.int(items.length)];

const some = <T>(random: Random, items: readonly T[], count: number): T[] =>
  random.shuffle([...items]).slice(0, count);

/** One comparison on a randomly chosen fact, with an operator that suits the fact. */
function randomComparison(random: Random, options: RandomOptions): RuleCondition {
  const kinds = ['numeric', 'score', 'categorical', 'boolean', 'date', 'list', 'reference'];
  const kind = pick(random, options.flat ? kinds : [...kinds, 'history', 'history']);
  switch (kind) {
    case 'numeric': {
      const fact = pick(random, ['age', 'balance', 'campaign']);
      const scale = { age: 70, balance: 5000, campaign: 6 }[fact] as number;
      const value = Math.round(random.next() * scale);
      const operator = pick(random, [
        'lessThan',
        'lessThanInclusive',
        'greaterThan',
        'greaterThanInclusive',
        'not:greaterThan',
        'equal',
        'notEqual',
        'in',
        'notIn',
      ]);
      const list = [value, Math.round(random.next() * scale), Math.round(random.next() * scale)];

      return { fact, operator, value: operator.endsWith('In') || operator === 'in' ? list : value };
    }
    case 'score': {
      if (random.next() < 0.3) {
        const decile = 1 + random.int(10);

        return {
          fact: 'score_decile',
          operator: pick(random, ['lessThanInclusive', 'equal']),
          value: decile,
        };
      }
      const threshold = Math.round(random.next() * 100) / 100;
      const operator = pick(random, ['greaterThanInclusive', 'greaterThan', 'lessThan']);

      return { fact: 'score', operator, value: threshold };
    }
    case 'categorical': {
      const [fact, values] = pick(random, [
        ['job', JOBS],
        ['marital', MARITAL],
        ['education', EDUCATION],
        ['loan', ['yes', 'no']],
      ] as const);
      const operator = pick(random, [
        'equal',
        'notEqual',
        'in',
        'notIn',
        'not:in',
        'someValue:equal',
      ]);
      const single = operator === 'equal' || operator === 'notEqual';

      return {
        fact,
        operator,
        value: single ? pick(random, values) : some(random, values, 1 + random.int(3)),
      };
    }
    case 'boolean':
      return {
        fact: 'housing',
        operator: pick(random, ['equal', 'notEqual']),
        value: random.next() < 0.5,
      };
    case 'date':
      return {
        fact: 'last_purchase',
        operator: pick(random, ['lessThan', 'greaterThanInclusive', 'equal']),
        value: pick(random, DATES),
      };
    case 'list': {
      const operator = pick(random, [
        'contains',
        'doesNotContain',
        'someFact:equal',
        'everyFact:notEqual',
      ]);

      return { fact: 'tags', operator, value: pick(random, TAGS) };
    }
    case 'reference':
      return {
        fact: 'campaign',
        operator: pick(random, ['greaterThan', 'lessThanInclusive', 'equal']),
        value: { fact: 'previous' },
      };
    default: {
      const fact = pick(random, ['days_since_last_action', 'actions_last_30d']);
      const scale = fact === 'actions_last_30d' ? 5 : 60;
      const operator = pick(random, ['greaterThan', 'lessThan', 'equal', 'not:lessThanInclusive']);

      return {
        fact,
        path: `$.${pick(random, HISTORY_KEYS)}`,
        operator,
        value: Math.round(random.next() * scale),
      };
    }
  }
}

/** Three comparisons arranged in one of several shapes (nested all, any and not). */
function randomConditions(random: Random, options: RandomOptions): CampaignRule['conditions'] {
  const [a, b, c] = [0, 1, 2].map(() => randomComparison(random, options));
  const shapes: (() => CampaignRule['conditions'])[] = [
    () => ({ all: [a, b, c] }),
    () => ({ any: [a, b, c] }),
    () => ({ all: [a, { any: [b, c] }] }),
    () => ({ any: [{ all: [a, b] }, c] }),
    () => ({ all: [a, { not: b }, c] }),
    () => ({ not: { any: [a, b, c] } }),
    () => ({ all: [{ any: [{ all: [a] }, b] }, { not: { all: [c] } }] }),
    () => ({ any: [a, { not: { all: [b, c] } }] }),
  ];

  return pick(random, shapes)();
}

export function randomRules(
  random: Random,
  count: number,
  options: RandomOptions = {},
): CampaignRule[] {
  return Array.from({ length: count }, (_, index) => {
    const rule: CampaignRule = {
      name: `rule-${index}`,
      conditions: randomConditions(random, options),
      event: { type: pick(random, ACTION_TYPES), params: { template: `t${index}` } },
    };
    // Few distinct priorities, so that many rules share one and their order is put to the test.
    if (random.next() < 0.8) {
      rule.priority = 1 + random.int(3);
    }

    return rule;
  });
}

function history(random: Random, scale: number): ContactHistory {
  const value: ContactHistory = {};
  for (const key of HISTORY_KEYS) {
    if (random.next() < 0.7) value[key] = Math.round(random.next() * scale);
  }

  return value;
}

/** A customer's facts; some attributes are missing or null, as in real data. */
export function randomCustomer(
  random: Random,
  options: RandomOptions = {},
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    score: Math.round(random.next() * 1000) / 1000,
    score_decile: 1 + random.int(10),
    age: 18 + random.int(60),
    balance: Math.round(random.normal() * 1500 + 1200),
    campaign: random.int(7),
    previous: random.int(5),
    job: pick(random, JOBS),
    marital: pick(random, MARITAL),
    education: pick(random, EDUCATION),
    loan: pick(random, ['yes', 'no']),
    housing: random.next() < 0.5,
    last_purchase: pick(random, DATES),
    customer_id: `c${random.int(1e6)}`,
    tags: some(random, TAGS, random.int(3)),
  };
  // Built key by key rather than with delete, which would leave slow dictionary-mode objects.
  const facts: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const roll = Object.hasOwn(RANDOM_FACTS, name) ? random.next() : 1;
    if (roll >= 0.08) facts[name] = value;
    else if (roll >= 0.05) facts[name] = null;
  }
  if (!options.flat) {
    // Present or absent changes the engine's reporting order (see rule-order.ts).
    if (random.next() < 0.8) facts.days_since_last_action = history(random, 60);
    if (random.next() < 0.8) facts.actions_last_30d = history(random, 5);
  }

  return facts;
}
