/**
 * Compiles one rule's conditions into closures: a test with json-rules-engine's semantics and
 * the text a reason gives for each outcome. See rule-compiler.ts for what is reproduced.
 */
import { parseFactPath, readPath } from './fact-path';
import {
  BaseOperator,
  OPERATOR_TEXT,
  ParsedOperator,
  baseComparison,
  comparisonOf,
  parseOperator,
} from './rule-operators';
import {
  Explainer,
  factLabel,
  fixedExplainer,
  joinExplainers,
  negatedExplainer,
  showValue,
} from './rule-reason';
import { FactCondition, FactReference, Facts, RuleCondition } from './rule-types';

/** Rules using something this evaluator does not reproduce; validated rules never do. */
export class RuleCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleCompileError';
  }
}

/** Evaluation failed where json-rules-engine's `run()` would have rejected. */
export class RuleEvaluationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuleEvaluationError';
  }
}

export type Reader = (facts: Facts) => unknown;
export type Test = (facts: Facts) => boolean;

export interface ConditionNode {
  readonly test: Test;
  /** The part of the reason this condition gives when it passed, and when it failed. */
  readonly passed: Explainer;
  readonly failed: Explainer;
  /** Whether evaluating it can throw: then no sibling may be skipped, as the engine skips none. */
  readonly mayThrow: boolean;
}

/** The boolean key of a condition, in the precedence the engine gives them. */
export function rootKey(condition: object): 'any' | 'all' | 'not' | undefined {
  return (['any', 'all', 'not'] as const).find((key) => Object.hasOwn(condition, key));
}

export function compileCondition(
  condition: RuleCondition,
  strict: boolean,
  where: string,
): ConditionNode {
  if (Object.hasOwn(condition, 'priority')) {
    throw new RuleCompileError(`${where}: condition priorities are not supported`);
  }
  if (Object.hasOwn(condition, 'condition')) {
    throw new RuleCompileError(`${where}: condition references are not supported`);
  }

  const key = rootKey(condition);
  if (key === 'not') {
    return notNode(compileCondition((condition as { not: RuleCondition }).not, strict, where));
  }
  if (key) {
    const children = (condition as Record<typeof key, RuleCondition[]>)[key];
    const nodes = children.map((child) => compileCondition(child, strict, where));

    return key === 'all' ? allNode(nodes) : anyNode(nodes);
  }

  return factNode(condition as FactCondition, strict, where);
}

function allNode(children: readonly ConditionNode[]): ConditionNode {
  if (children.length <= 1) {
    // A single condition decides alone; an empty all passes, as in the engine.
    return children[0] ?? EMPTY_GROUP;
  }

  const mayThrow = children.some((child) => child.mayThrow);
  const tests = children.map((child) => child.test);
  let test: Test;
  if (mayThrow) {
    test = (facts) => {
      let passed = true;
      for (let i = 0; i < tests.length; i++) {
        if (!tests[i](facts)) passed = false;
      }

      return passed;
    };
  } else if (tests.length === 2) {
    const [a, b] = tests;
    test = (facts) => a(facts) && b(facts);
  } else if (tests.length === 3) {
    const [a, b, c] = tests;
    test = (facts) => a(facts) && b(facts) && c(facts);
  } else {
    test = (facts) => {
      for (let i = 0; i < tests.length; i++) {
        if (!tests[i](facts)) return false;
      }

      return true;
    };
  }

  const failed: Explainer = {
    text: (facts) => children[firstWhere(tests, facts, false)].failed.text(facts),
  };

  return {
    test,
    mayThrow,
    passed: joinExplainers(
      children.map((c) => c.passed),
      ' and ',
    ),
    failed,
  };
}

function anyNode(children: readonly ConditionNode[]): ConditionNode {
  if (children.length <= 1) {
    // A single condition decides alone; the engine passes an empty any, as an empty all.
    return children[0] ?? EMPTY_GROUP;
  }

  const mayThrow = children.some((child) => child.mayThrow);
  const tests = children.map((child) => child.test);
  let test: Test;
  if (mayThrow) {
    test = (facts) => {
      let passed = false;
      for (let i = 0; i < tests.length; i++) {
        if (tests[i](facts)) passed = true;
      }

      return passed;
    };
  } else if (tests.length === 2) {
    const [a, b] = tests;
    test = (facts) => a(facts) || b(facts);
  } else if (tests.length === 3) {
    const [a, b, c] = tests;
    test = (facts) => a(facts) || b(facts) || c(facts);
  } else {
    test = (facts) => {
      for (let i = 0; i < tests.length; i++) {
        if (tests[i](facts)) return true;
      }

      return false;
    };
  }

  // Which branch decided an any depends on the facts, so its text is found each time.
  const passed: Explainer = {
    text: (facts) => children[firstWhere(tests, facts, true)].passed.text(facts),
  };

  return {
    test,
    mayThrow,
    passed,
    failed: joinExplainers(
      children.map((c) => c.failed),
      ' or ',
    ),
  };
}

function notNode(child: ConditionNode): ConditionNode {
  const inner = child.test;

  return {
    test: (facts) => !inner(facts),
    passed: negatedExplainer(child.failed),
    failed: negatedExplainer(child.passed),
    mayThrow: child.mayThrow,
  };
}

function factNode(condition: FactCondition, strict: boolean, where: string): ConditionNode {
  const operator = parseOperator(String(condition.operator));
  if (!operator) {
    throw new RuleCompileError(`${where}: unknown operator "${String(condition.operator)}"`);
  }
  const readFact = factReader(condition.fact, condition.path, strict, where);
  const value = condition.value;
  const reference = isReference(value) ? value : undefined;
  const readValue = reference
    ? factReader(reference.fact, reference.path, strict, where)
    : undefined;

  let test: Test;
  if (readValue) {
    const compare = comparisonOf(operator);
    // The engine reads the value before the fact; it matters only for which error is thrown.
    test = (facts) => {
      const right = readValue(facts);

      return compare(readFact(facts), right);
    };
  } else {
    test = literalTest(operator, readFact, snapshot(value));
  }

  const listOperator = operator.base === 'in' || operator.base === 'notIn';
  const mayThrow =
    strict ||
    readValue !== undefined ||
    operator.decorators.some((d) => d === 'someValue' || d === 'everyValue' || d === 'swap') ||
    (listOperator && !Array.isArray(value) && typeof value !== 'string');

  const explainer = factExplainer(condition, operator, readFact, readValue);

  return { test, passed: explainer, failed: explainer, mayThrow };
}

function literalTest(operator: ParsedOperator, read: Reader, value: unknown): Test {
  if (operator.decorators.length === 0) {
    const fast = plainTest(operator.base, read, value);
    if (fast) {
      return fast;
    }
  }
  const compare = comparisonOf(operator);

  return (facts) => compare(read(facts), value);
}

/** Specialised closures for the common undecorated cases; undefined for the rest. */
function plainTest(base: BaseOperator, read: Reader, value: unknown): Test | undefined {
  const slow = baseComparison(base);
  switch (base) {
    case 'equal':
      return (facts) => read(facts) === value;
    case 'notEqual':
      return (facts) => read(facts) !== value;
    case 'in': {
      if (!Array.isArray(value)) return undefined;
      const has = membership(value);

      return (facts) => has(read(facts));
    }
    case 'notIn': {
      if (!Array.isArray(value)) return undefined;
      const has = membership(value);

      return (facts) => !has(read(facts));
    }
    // For a number, the engine's parseFloat check only rules out NaN, which compares false.
    case 'lessThan':
      if (typeof value !== 'number') return undefined;

      return (facts) => {
        const a = read(facts);

        return typeof a === 'number' ? a < value : slow(a, value);
      };
    case 'lessThanInclusive':
      if (typeof value !== 'number') return undefined;

      return (facts) => {
        const a = read(facts);

        return typeof a === 'number' ? a <= value : slow(a, value);
      };
    case 'greaterThan':
      if (typeof value !== 'number') return undefined;

      return (facts) => {
        const a = read(facts);

        return typeof a === 'number' ? a > value : slow(a, value);
      };
    case 'greaterThanInclusive':
      if (typeof value !== 'number') return undefined;

      return (facts) => {
        const a = read(facts);

        return typeof a === 'number' ? a >= value : slow(a, value);
      };
    default:
      return undefined;
  }
}

/** `list.indexOf(item) > -1`, which finds no NaN and matches 0 with -0. */
function membership(list: readonly unknown[]): (item: unknown) => boolean {
  const items = [...list];
  if (items.length <= 8) {
    return (item) => {
      for (let i = 0; i < items.length; i++) {
        if (items[i] === item) return true;
      }

      return false;
    };
  }
  const set = new Set(items);

  return (item) => item === item && set.has(item);
}

function factReader(
  fact: string,
  path: string | undefined,
  strict: boolean,
  where: string,
): Reader {
  const base = presentFactReader(fact, strict);
  if (!path) {
    return base;
  }
  const keys = typeof path === 'string' ? parseFactPath(path) : undefined;
  if (!keys) {
    throw new RuleCompileError(`${where}: path ${JSON.stringify(path)} is not supported`);
  }
  if (keys.length > 1) {
    return (facts) => readPath(base(facts), keys);
  }

  const key = keys[0];

  return (facts) => {
    const value = base(facts);
    if (value === null || typeof value !== 'object') {
      return value;
    }

    return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  };
}

/** The engine knows only the facts given, so a name like `toString` must be an own key. */
function presentFactReader(fact: string, strict: boolean): Reader {
  if (strict) {
    return (facts) => {
      if (!Object.hasOwn(facts, fact)) {
        throw new RuleEvaluationError(`Undefined fact: ${fact}`);
      }

      return facts[fact];
    };
  }
  if (fact in Object.prototype) {
    return (facts) => (Object.hasOwn(facts, fact) ? facts[fact] : undefined);
  }

  return (facts) => facts[fact];
}

function factExplainer(
  condition: FactCondition,
  operator: ParsedOperator,
  readFact: Reader,
  readValue: Reader | undefined,
): Explainer {
  const label = factLabel(condition.fact, condition.path);
  const decorated = operator.decorators.length > 0;
  const text = decorated ? condition.operator : OPERATOR_TEXT[operator.base];
  // Where the fact's value adds nothing (it equals, or is among, the values shown), omit it.
  const showsFact =
    decorated || !['equal', 'in', 'contains', 'doesNotContain'].includes(operator.base);
  const head = showsFact ? [`${label} `, readFact] : [label];

  if (readValue) {
    const reference = condition.value as FactReference;

    return fixedExplainer([
      ...head,
      ` ${text} ${factLabel(reference.fact, reference.path)} `,
      readValue,
    ]);
  }

  return fixedExplainer([...head, ` ${text} ${showValue(condition.value)}`]);
}

/** The index of the first test giving `outcome` (the first child, if none does). */
function firstWhere(tests: readonly Test[], facts: Facts, outcome: boolean): number {
  for (let i = 0; i < tests.length; i++) {
    if (tests[i](facts) === outcome) return i;
  }

  return 0;
}

const EMPTY_GROUP: ConditionNode = {
  test: () => true,
  passed: fixedExplainer(['no conditions']),
  failed: fixedExplainer(['no conditions']),
  mayThrow: false,
};

export function guarded(test: Test, name: string): Test {
  return (facts) => {
    try {
      return test(facts);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);

      throw new RuleEvaluationError(`Rule "${name}" could not be evaluated: ${message}`, {
        cause: error,
      });
    }
  };
}

function isReference(value: unknown): value is FactReference {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'fact')
  );
}

/** A private copy, so that changing the rules after compiling changes nothing. */
function snapshot<T>(value: T): T {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}
