import { UserError } from '../../../src/common/errors';
import type { FactType } from '../../../src/modules/campaigns/rules';
import { compileAudience, validateAudience } from '../../../src/modules/scoring/audience';

const facts: Record<string, FactType> = {
  age: 'numeric',
  job: 'categorical',
  housing: 'categorical',
};

function audienceError(audience: unknown): UserError {
  try {
    validateAudience(audience, facts);
  } catch (error) {
    return error as UserError;
  }
  throw new Error('the audience was accepted');
}

describe('validateAudience and compileAudience', () => {
  const audience = {
    all: [
      { fact: 'age', operator: 'greaterThanInclusive', value: 40 },
      {
        any: [
          { fact: 'job', operator: 'in', value: ['management', 'admin.'] },
          { fact: 'housing', operator: 'equal', value: 'yes' },
        ],
      },
    ],
  };

  it('keeps exactly the customers the conditions describe', () => {
    const inAudience = compileAudience(validateAudience(audience, facts));

    expect(inAudience({ age: 40, job: 'management', housing: 'no' })).toBe(true);
    expect(inAudience({ age: 55, job: 'services', housing: 'yes' })).toBe(true);
    expect(inAudience({ age: 39, job: 'management', housing: 'yes' })).toBe(false);
    expect(inAudience({ age: 60, job: 'services', housing: 'no' })).toBe(false);
    expect(inAudience({ job: 'management' })).toBe(false);
  });

  it('moves the rule errors under $.audience, in the path and in the message', () => {
    const error = audienceError({
      all: [{ fact: 'agee', operator: 'greaterThan', value: 40 }],
    });

    expect(error.code).toBe('audience_invalid');
    expect(error.status).toBe(400);
    expect(error.details[0].path).toMatch(/^\$\.audience\.all\[0\]/);
    expect(error.details[0].message).toMatch(/^\$\.audience\.all\[0\]/);
    expect(error.message).not.toContain('$[0]');
  });

  it('refuses conditions that are not an all/any/not object', () => {
    const error = audienceError({ fact: 'age', operator: 'greaterThan', value: 40 });

    expect(error.code).toBe('audience_invalid');
    expect(error.details[0].path).toMatch(/^\$\.audience/);
  });

  it('refuses scores and contact history, which are not known before scoring', () => {
    const error = audienceError({
      any: [
        { fact: 'age', operator: 'lessThan', value: 30 },
        { fact: 'score_decile', operator: 'lessThanInclusive', value: 3 },
      ],
    });

    expect(error.details).toContainEqual(
      expect.objectContaining({
        path: '$.audience.any[1].fact',
        code: 'audience_fact_unavailable',
      }),
    );
  });
});
