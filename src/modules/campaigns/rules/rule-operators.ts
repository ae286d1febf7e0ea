/**
 * json-rules-engine's operators, reimplemented with the same semantics so that compiled rules
 * decide exactly as the engine does: `equal` is strict, numeric comparisons hold only when the
 * fact reads as a number (`Number.parseFloat` is not NaN), `in` asks the value for
 * `indexOf`, `contains` needs an array fact, and decorators such as `not:` wrap an operator.
 */

export type BaseOperator =
  | 'equal'
  | 'notEqual'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'doesNotContain'
  | 'lessThan'
  | 'lessThanInclusive'
  | 'greaterThan'
  | 'greaterThanInclusive';

export type OperatorDecorator =
  'someFact' | 'someValue' | 'everyFact' | 'everyValue' | 'swap' | 'not';

export const BASE_OPERATORS: readonly BaseOperator[] = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
];

export const OPERATOR_DECORATORS: readonly OperatorDecorator[] = [
  'someFact',
  'someValue',
  'everyFact',
  'everyValue',
  'swap',
  'not',
];

export const NUMERIC_OPERATORS: ReadonlySet<BaseOperator> = new Set<BaseOperator>([
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
]);

/** How a reason shows each operator. */
export const OPERATOR_TEXT: Readonly<Record<BaseOperator, string>> = {
  equal: '=',
  notEqual: '!=',
  in: 'in',
  notIn: 'not in',
  contains: 'contains',
  doesNotContain: 'does not contain',
  lessThan: '<',
  lessThanInclusive: '<=',
  greaterThan: '>',
  greaterThanInclusive: '>=',
};

export interface ParsedOperator {
  /** Outermost first: `someFact:not:equal` is someFact(not(equal)). */
  readonly decorators: readonly OperatorDecorator[];
  readonly base: BaseOperator;
}

/** `(fact value, condition value) => passes`, the shape of every operator. */
export type Comparison = (factValue: unknown, value: unknown) => boolean;

const BASE_NAMES: ReadonlySet<string> = new Set(BASE_OPERATORS);
const DECORATOR_NAMES: ReadonlySet<string> = new Set(OPERATOR_DECORATORS);

/**
 * Splits an operator name the way the engine resolves it: decorators are peeled off the
 * front, up to the first `:`, until a known operator remains. Undefined when unknown.
 */
export function parseOperator(name: string): ParsedOperator | undefined {
  const decorators: OperatorDecorator[] = [];
  let rest = name;
  while (!BASE_NAMES.has(rest)) {
    const colon = rest.indexOf(':');
    const decorator = colon > 0 ? rest.slice(0, colon) : '';
    if (!DECORATOR_NAMES.has(decorator)) {
      return undefined;
    }
    decorators.push(decorator as OperatorDecorator);
    rest = rest.slice(colon + 1);
  }

  return { decorators, base: rest as BaseOperator };
}

/** The engine's test for numeric operators: the fact must parse as a number. */
export function readsAsNumber(value: unknown): boolean {
  return typeof value === 'number'
    ? !Number.isNaN(value)
    : !Number.isNaN(Number.parseFloat(value as string));
}

interface IndexOf {
  indexOf(item: unknown): number;
}

/**
 * The operator itself. The casts keep JavaScript's own comparison semantics, which the
 * engine relies on too (a numeric string compared with a number, ISO dates as strings).
 */
export function baseComparison(base: BaseOperator): Comparison {
  switch (base) {
    case 'equal':
      return (a, b) => a === b;
    case 'notEqual':
      return (a, b) => a !== b;
    case 'in':
      return (a, b) => (b as IndexOf).indexOf(a) > -1;
    case 'notIn':
      return (a, b) => (b as IndexOf).indexOf(a) === -1;
    case 'contains':
      return (a, b) => Array.isArray(a) && a.indexOf(b) > -1;
    case 'doesNotContain':
      return (a, b) => Array.isArray(a) && a.indexOf(b) === -1;
    case 'lessThan':
      return (a, b) => readsAsNumber(a) && (a as number) < (b as number);
    case 'lessThanInclusive':
      return (a, b) => readsAsNumber(a) && (a as number) <= (b as number);
    case 'greaterThan':
      return (a, b) => readsAsNumber(a) && (a as number) > (b as number);
    case 'greaterThanInclusive':
      return (a, b) => readsAsNumber(a) && (a as number) >= (b as number);
  }
}

/** Wraps `inner` in one decorator; `someValue`/`everyValue` throw on a non-array value. */
export function decorate(decorator: OperatorDecorator, inner: Comparison): Comparison {
  switch (decorator) {
    case 'someFact':
      return (a, b) => Array.isArray(a) && a.some((item) => inner(item, b));
    case 'everyFact':
      return (a, b) => Array.isArray(a) && a.every((item) => inner(item, b));
    case 'someValue':
      return (a, b) => (b as unknown[]).some((item) => inner(a, item));
    case 'everyValue':
      return (a, b) => (b as unknown[]).every((item) => inner(a, item));
    case 'swap':
      return (a, b) => inner(b, a);
    case 'not':
      return (a, b) => !inner(a, b);
  }
}

/** The whole operator, decorators applied from the innermost out. */
export function comparisonOf(operator: ParsedOperator): Comparison {
  let comparison = baseComparison(operator.base);
  for (let i = operator.decorators.length - 1; i >= 0; i--) {
    comparison = decorate(operator.decorators[i], comparison);
  }

  return comparison;
}
