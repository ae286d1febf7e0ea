import { ErrorDetail } from '../../../src/common/errors';
import {
  CampaignContext,
  campaignInvalid,
  checkRules,
  validateCampaign,
} from '../../../src/modules/campaigns/campaign-validation';
import type { FactType } from '../../../src/modules/campaigns/rules';

const FACTS: Record<string, FactType> = {
  age: 'numeric',
  balance: 'numeric',
  job: 'categorical',
  housing: 'categorical',
  y: 'categorical',
};
const CONTEXT: CampaignContext = { facts: FACTS };

const emailRule = (name = 'responders', extra: Record<string, unknown> = {}) => ({
  name,
  priority: 5,
  conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 0.5 }] },
  event: { type: 'email', params: { template: 'offer' } },
  ...extra,
});

const base = () => ({ name: 'spring', modelName: 'bank', rules: [emailRule()] });

function errorsOf(input: unknown, context: CampaignContext = CONTEXT): ErrorDetail[] {
  const result = validateCampaign(input, context);

  return result.ok ? [] : result.errors;
}

function codesAt(input: unknown): [string | undefined, unknown][] {
  return errorsOf(input).map((e) => [e.path, e.code]);
}

describe('validateCampaign: fields', () => {
  it('fills in the defaults and keeps the rules as given', () => {
    const result = validateCampaign({ ...base(), name: '  spring  ' }, CONTEXT);

    expect(result).toEqual({
      ok: true,
      definition: {
        name: 'spring',
        description: null,
        modelName: 'bank',
        audience: null,
        rules: [emailRule()],
        holdoutShare: 0.1,
        frequencyCaps: [],
        arbitration: 'one_per_customer',
        startsAt: null,
        endsAt: null,
      },
    });
  });

  it('refuses a holdout share outside 0 to 0.5 at $.holdoutShare', () => {
    expect(codesAt({ ...base(), holdoutShare: 0.7 })).toEqual([
      ['$.holdoutShare', 'holdout_share_invalid'],
    ]);
    expect(codesAt({ ...base(), holdoutShare: -0.01 })).toHaveLength(1);
    expect(codesAt({ ...base(), holdoutShare: '0.1' })).toHaveLength(1);
    expect(codesAt({ ...base(), holdoutShare: 0.5 })).toEqual([]);
    expect(codesAt({ ...base(), holdoutShare: 0 })).toEqual([]);
  });

  it('checks each part of each frequency cap at its own path', () => {
    const input = {
      ...base(),
      frequencyCaps: [
        { action: 'email', max: 2, windowDays: 7 },
        { action: 'sms', max: 0, windowDays: -1, per: 'week' },
        { action: 'any', max: 1.5, windowDays: 0.5 },
        'daily',
      ],
    };

    expect(codesAt(input)).toEqual([
      ['$.frequencyCaps[1].per', 'frequency_cap_invalid'],
      ['$.frequencyCaps[1].action', 'frequency_cap_invalid'],
      ['$.frequencyCaps[1].max', 'frequency_cap_invalid'],
      ['$.frequencyCaps[1].windowDays', 'frequency_cap_invalid'],
      ['$.frequencyCaps[2].max', 'frequency_cap_invalid'],
      ['$.frequencyCaps[3]', 'frequency_cap_invalid'],
    ]);
    expect(errorsOf(input)[1].message).toBe('must be one of ad, promo, email, social, any');
  });

  it('keeps valid caps, with fractional windows', () => {
    const caps = [
      { action: 'any', max: 3, windowDays: 30 },
      { action: 'ad', max: 1, windowDays: 0.5 },
    ];
    const result = validateCampaign({ ...base(), frequencyCaps: caps }, CONTEXT);

    expect(result.ok && result.definition.frequencyCaps).toEqual(caps);
  });

  it('names the arbitration, the name, the model and unknown keys', () => {
    expect(codesAt({ rules: [], arbitration: 'all', status: 'active' })).toEqual([
      ['$.status', 'key_unknown'],
      ['$.name', 'campaign_name_invalid'],
      ['$.modelName', 'campaign_model_missing'],
      ['$.arbitration', 'arbitration_invalid'],
    ]);
    expect(codesAt({ ...base(), name: 'x'.repeat(101) })).toEqual([
      ['$.name', 'campaign_name_invalid'],
    ]);
    expect(codesAt([base()])).toEqual([['$', 'campaign_not_object']]);
  });

  it('normalises dates to UTC and wants the end after the start', () => {
    const result = validateCampaign(
      { ...base(), startsAt: '2026-03-01', endsAt: '2026-03-31T18:00:00+02:00' },
      CONTEXT,
    );

    expect(result.ok && [result.definition.startsAt, result.definition.endsAt]).toEqual([
      '2026-03-01T00:00:00.000Z',
      '2026-03-31T16:00:00.000Z',
    ]);
    expect(codesAt({ ...base(), startsAt: '2026-03-01', endsAt: '2026-02-01' })).toEqual([
      ['$.endsAt', 'campaign_dates_invalid'],
    ]);
    expect(codesAt({ ...base(), startsAt: '2026-03-01', endsAt: '2026-03-01' })).toHaveLength(1);
    expect(codesAt({ ...base(), startsAt: 'next monday', endsAt: '2026-13-01' })).toEqual([
      ['$.startsAt', 'campaign_date_invalid'],
      ['$.endsAt', 'campaign_date_invalid'],
    ]);
  });
});

describe('validateCampaign: rules', () => {
  const withRules = (...rules: unknown[]) => ({ ...base(), rules });

  it('reports an unknown operator at $.rules[i].conditions…operator', () => {
    const bad = emailRule('b', {
      conditions: { all: [{ fact: 'age', operator: 'olderThan', value: 40 }] },
    });
    const [error] = errorsOf(withRules(emailRule(), bad));

    expect(error).toMatchObject({
      path: '$.rules[1].conditions.all[0].operator',
      code: 'operator_unknown',
    });
    expect(error.message).toMatch(/^unknown operator "olderThan"; use equal/);
    expect(campaignInvalid([error]).message).toMatch(
      /^The campaign is invalid: \$\.rules\[1\]\.conditions\.all\[0\]\.operator: unknown/,
    );
  });

  it('reports a fact that is not a column of the dataset, with a hint', () => {
    const bad = emailRule('b', {
      conditions: { any: [{ fact: 'balanse', operator: 'greaterThan', value: 0 }] },
    });
    const [error] = errorsOf(withRules(bad));

    expect(error).toMatchObject({
      path: '$.rules[0].conditions.any[0].fact',
      code: 'fact_unknown',
    });
    expect(error.message).toContain('did you mean "balance"?');
  });

  it('accepts the built-in facts and every column as facts', () => {
    const rule = emailRule('all-facts', {
      conditions: {
        all: [
          { fact: 'score_decile', operator: 'lessThanInclusive', value: 3 },
          { fact: 'actions_last_30d', path: '$.any', operator: 'lessThan', value: 2 },
          { fact: 'job', operator: 'in', value: ['management', 'admin.'] },
          { not: { fact: 'housing', operator: 'equal', value: 'yes' } },
        ],
      },
    });

    expect(errorsOf(withRules(rule))).toEqual([]);
  });

  it('refuses an event type outside ad, promo, email and social', () => {
    expect(codesAt(withRules(emailRule('sms', { event: { type: 'sms' } })))).toEqual([
      ['$.rules[0].event.type', 'event_type_unknown'],
    ]);
  });

  it('refuses an empty all, `in` with a single value and a malformed condition', () => {
    const empty = emailRule('empty', { conditions: { all: [] } });
    const inText = emailRule('in-text', {
      conditions: { all: [{ fact: 'job', operator: 'in', value: 'management' }] },
    });
    const malformed = emailRule('malformed', {
      conditions: { all: [{ fact: 'age', operator: 'greaterThan', value: 30 }, 'age > 30'] },
    });
    const halfCondition = emailRule('half', { conditions: { any: [{ fact: 'age' }] } });

    expect(codesAt(withRules(empty, inText, malformed, halfCondition))).toEqual([
      ['$.rules[0].conditions.all', 'condition_empty'],
      ['$.rules[1].conditions.all[0].value', 'value_not_array'],
      ['$.rules[2].conditions.all[1]', 'condition_invalid'],
      ['$.rules[3].conditions.any[0].operator', 'operator_missing'],
      ['$.rules[3].conditions.any[0].value', 'value_missing'],
    ]);
  });

  it('moves paths named inside messages too', () => {
    const [error] = errorsOf(withRules(emailRule('same'), emailRule('same')));

    expect(error.path).toBe('$.rules[1].name');
    expect(error.message).toBe(
      '"same" is already the name of $.rules[0]; rule names must be unique',
    );
    expect(codesAt({ ...base(), rules: { name: 'x' } })).toEqual([['$.rules', 'rules_not_array']]);
  });

  it('does not check rules or audience without facts (unknown model)', () => {
    const input = { ...base(), rules: [{ nonsense: true }], holdoutShare: 2 };

    expect(errorsOf(input, { facts: null }).map((e) => e.path)).toEqual(['$.holdoutShare']);
  });

  it('keeps bare-array paths when asked to', () => {
    const { errors } = checkRules([emailRule('x', { event: { type: 'fax' } })], FACTS, '$');

    expect(errors.map((e) => e.path)).toEqual(['$[0].event.type']);
  });
});

describe('validateCampaign: audience', () => {
  it('accepts conditions over attributes', () => {
    const audience = { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 25 }] };
    const result = validateCampaign({ ...base(), audience }, CONTEXT);

    expect(result.ok && result.definition.audience).toEqual(audience);
  });

  it('refuses scores, unknown attributes and malformed conditions at $.audience…', () => {
    const audience = {
      any: [
        { fact: 'score', operator: 'greaterThan', value: 0.3 },
        { fact: 'income', operator: 'greaterThan', value: 1000 },
        { fact: 'job', operator: 'in', value: 'admin.' },
      ],
    };

    expect(codesAt({ ...base(), audience })).toEqual([
      ['$.audience.any[1].fact', 'fact_unknown'],
      ['$.audience.any[2].value', 'value_not_array'],
      ['$.audience.any[0].fact', 'audience_fact_unavailable'],
    ]);
    expect(errorsOf({ ...base(), audience }).map((e) => e.message)[2]).toMatch(
      /^"score" is not known before scoring/,
    );
    expect(codesAt({ ...base(), audience: { all: [] } })).toEqual([
      ['$.audience.all', 'condition_empty'],
    ]);
  });
});

describe('campaignInvalid', () => {
  it('is a 400 listing the first three problems', () => {
    const details = ['a', 'b', 'c', 'd', 'e'].map((p) => ({ path: `$.${p}`, message: 'bad' }));
    const error = campaignInvalid(details);

    expect([error.code, error.status, error.details.length]).toEqual(['campaign_invalid', 400, 5]);
    expect(error.message).toBe(
      'The campaign is invalid: $.a: bad; $.b: bad; $.c: bad; and 2 more.',
    );
    expect(campaignInvalid(details, 'rules_invalid').message).toMatch(/^The campaign rules are/);
  });
});
