import {
  comparisonOf,
  parseOperator,
  readsAsNumber,
} from '../../../src/modules/campaigns/rules/rule-operators';

const compare = (operator: string, fact: unknown, value: unknown) => {
  const parsed = parseOperator(operator);
  if (!parsed) throw new Error(`unknown operator ${operator}`);

  return comparisonOf(parsed)(fact, value);
};

describe('parseOperator', () => {
  it.each([
    ['equal', [], 'equal'],
    ['not:equal', ['not'], 'equal'],
    ['someFact:not:greaterThan', ['someFact', 'not'], 'greaterThan'],
    ['not:not:in', ['not', 'not'], 'in'],
  ])('reads %s', (name, decorators, base) => {
    expect(parseOperator(name)).toEqual({ decorators, base });
  });

  it.each(['gte', 'not:', ':equal', 'maybe:equal', 'not:gte', 'Equal', ''])(
    'knows no operator %j',
    (name) => {
      expect(parseOperator(name)).toBeUndefined();
    },
  );
});

describe('readsAsNumber', () => {
  it.each([
    [0, true],
    [Number.NaN, false],
    [Infinity, true],
    ['12', true],
    ['12abc', true],
    [' 7', true],
    ['abc', false],
    ['', false],
    [null, false],
    [undefined, false],
    [true, false],
    [[3], true],
    [[], false],
    [{}, false],
  ])('%j → %s', (value, expected) => {
    expect(readsAsNumber(value)).toBe(expected);
  });
});

describe('comparisonOf', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal', 1, 1, true],
    ['equal', 1, '1', false],
    ['notEqual', undefined, null, true],
    ['lessThan', '3', 5, true],
    ['lessThan', null, 5, false],
    ['not:lessThan', null, 5, true],
    ['greaterThanInclusive', 0.5, 0.5, true],
    ['greaterThan', '2025-02-01', '2024-12-31', true],
    ['in', 'b', ['a', 'b'], true],
    ['in', 'dmi', 'admin', true],
    ['notIn', 'c', ['a', 'b'], true],
    ['contains', ['a', 'b'], 'b', true],
    ['contains', 'ab', 'b', false],
    ['doesNotContain', ['a'], 'b', true],
    ['doesNotContain', undefined, 'b', false],
    ['someFact:equal', ['a', 'b'], 'b', true],
    ['someFact:not:equal', ['a'], 'a', false],
    ['everyFact:greaterThan', [2, 3], 1, true],
    ['everyFact:greaterThan', 'x', 1, false],
    ['someValue:equal', 'b', ['a', 'b'], true],
    ['everyValue:lessThan', 3, [4, 5], true],
    ['swap:contains', 'x', ['x'], true],
  ])('%s(%j, %j) is %s', (operator, fact, value, expected) => {
    expect(compare(operator, fact, value)).toBe(expected);
  });

  it.each<[string, unknown, unknown]>([
    ['in', 'a', 5],
    ['notIn', 'a', undefined],
    ['someValue:equal', 'a', 'a'],
  ])('%s(%j, %j) throws, as in the engine', (operator, fact, value) => {
    expect(() => compare(operator, fact, value)).toThrow(TypeError);
  });
});
