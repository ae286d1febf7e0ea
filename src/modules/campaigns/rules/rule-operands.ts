/**
 * The checks of one comparison: that its fact exists (and its path suits it), that its
 * operator is known, and that operator, fact and value fit together, so that no condition is
 * stored that json-rules-engine would evaluate as always false or fail on.
 */
import { BUILT_IN_FACTS, FactKind, HISTORY_KEYS, HistoryKey, NumericRange } from './rule-facts';
import {
  Report,
  article,
  closestName,
  isPlainObject,
  refuseUnknownKeys,
  show,
} from './rule-messages';
import { NUMERIC_OPERATORS, BaseOperator, ParsedOperator, parseOperator } from './rule-operators';
import { FactType } from './rule-types';

/** Decorators on one operator, as in `someFact:not:equal`. */
export const MAX_DECORATORS = 3;

/** Items of an `in` list. */
export const MAX_LIST_VALUES = 1000;

/** What one side of a comparison holds, once fact and path are resolved. */
export interface Operand {
  /** `element` is one item of a list fact, whose type is not known. */
  readonly kind: Exclude<FactKind, 'history'> | 'element';
  readonly label: string;
  readonly range?: NumericRange;
}

/** A condition's value: a literal, or another fact (`{ fact }`). */
export type ValueSide =
  | { readonly at: string; readonly literal: unknown }
  | { readonly at: string; readonly ref: Operand };

const REFERENCE_KEYS = new Set(['fact', 'path']);
const SIMPLE_PATH = /^\$\.[A-Za-z_][A-Za-z0-9_]*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/;

export class OperandChecker {
  private readonly knownFacts: string[];

  constructor(
    private readonly facts: Readonly<Record<string, FactType>>,
    private readonly report: Report,
  ) {
    this.knownFacts = [...Object.keys(BUILT_IN_FACTS), ...Object.keys(facts)];
  }

  /** Resolves `fact` (and `holder.path`, when present) to what the comparison reads. */
  resolveFact(
    fact: unknown,
    holder: Record<string, unknown>,
    factAt: string,
    pathAt: string,
  ): Operand | undefined {
    if (typeof fact !== 'string' || fact === '') {
      this.report(factAt, 'fact_invalid', `the fact must be a fact name, not ${show(fact)}`);

      return undefined;
    }
    const builtIn = Object.hasOwn(BUILT_IN_FACTS, fact) ? BUILT_IN_FACTS[fact] : undefined;
    const kind: FactKind | undefined =
      builtIn?.kind ?? (Object.hasOwn(this.facts, fact) ? this.facts[fact] : undefined);
    if (kind === undefined) {
      const guess = closestName(fact, this.knownFacts);
      this.report(
        factAt,
        'fact_unknown',
        `unknown fact "${fact}"` +
          (guess ? `; did you mean "${guess}"?` : '; use a customer attribute or a built-in fact') +
          ` (built-in: ${Object.keys(BUILT_IN_FACTS).join(', ')})`,
      );

      return undefined;
    }

    if (!Object.hasOwn(holder, 'path')) {
      if (kind === 'history') {
        this.report(
          pathAt,
          'path_required',
          `${fact} is an object keyed by action type; add a path such as "$.email" ` +
            `(keys: ${HISTORY_KEYS.join(', ')})`,
        );

        return undefined;
      }

      return { kind, label: fact, range: builtIn?.range };
    }

    const path = holder.path;
    if (typeof path !== 'string' || !SIMPLE_PATH.test(path)) {
      this.report(
        pathAt,
        'path_invalid',
        `${show(path)} is not a simple path; use "$.key" (no filters, wildcards or expressions)`,
      );

      return undefined;
    }
    if (kind !== 'history') {
      // The engine would compare the whole value, ignoring the path.
      this.report(
        pathAt,
        'path_not_allowed',
        `${fact} is ${article(kind)} fact, not an object; remove "path"`,
      );

      return undefined;
    }
    const key = path.slice(2);
    if (!HISTORY_KEYS.includes(key as HistoryKey)) {
      this.report(
        pathAt,
        'path_key_unknown',
        `${fact} has no key "${key}"; use one of ${HISTORY_KEYS.map((k) => `$.${k}`).join(', ')}`,
      );

      return undefined;
    }

    return { kind: 'numeric', label: `${fact}.${key}`, range: builtIn?.range };
  }

  checkOperator(operator: unknown, at: string): ParsedOperator | undefined {
    const parsed = typeof operator === 'string' ? parseOperator(operator) : undefined;
    if (!parsed) {
      this.report(
        at,
        'operator_unknown',
        `unknown operator ${show(operator)}; use equal, notEqual, lessThan, lessThanInclusive, ` +
          'greaterThan, greaterThanInclusive, in, notIn, contains or doesNotContain, ' +
          'optionally after not:, someFact:, everyFact:, someValue: or everyValue:',
      );

      return undefined;
    }
    if (parsed.decorators.includes('swap')) {
      this.report(
        at,
        'operator_unsupported',
        '"swap:" is not supported; write the comparison the other way round',
      );

      return undefined;
    }
    if (parsed.decorators.length > MAX_DECORATORS) {
      this.report(
        at,
        'operator_unsupported',
        `an operator may have at most ${MAX_DECORATORS} decorators`,
      );

      return undefined;
    }

    return parsed;
  }

  readValue(value: unknown, at: string): ValueSide | undefined {
    if (!isPlainObject(value)) {
      return { at, literal: value };
    }
    if (!Object.hasOwn(value, 'fact')) {
      this.report(
        at,
        'value_type_mismatch',
        'an object value must be a fact reference such as { "fact": "balance" }',
      );

      return undefined;
    }

    refuseUnknownKeys(value, at, REFERENCE_KEYS, 'a fact reference has fact and path', this.report);
    const ref = this.resolveFact(value.fact, value, `${at}.fact`, `${at}.path`);

    return ref ? { at, ref } : undefined;
  }

  checkOperands(operator: ParsedOperator, fact: Operand, value: ValueSide, operatorAt: string) {
    let factSide = fact;
    let values: ValueSide[] = [value];
    for (const decorator of operator.decorators) {
      if (decorator === 'someFact' || decorator === 'everyFact') {
        if (factSide.kind !== 'list') {
          this.report(
            operatorAt,
            'operator_type_mismatch',
            `"${decorator}:" needs a list fact; ${factSide.label} is ${article(factSide.kind)} fact`,
          );

          return;
        }
        factSide = { kind: 'element', label: factSide.label };
      } else if (decorator === 'someValue' || decorator === 'everyValue') {
        const list = values.length === 1 && 'literal' in values[0] ? values[0].literal : undefined;
        if (!Array.isArray(list) || list.length === 0) {
          this.report(
            values[0].at,
            'value_not_array',
            `"${decorator}:" needs a non-empty array value`,
          );

          return;
        }
        const listAt = values[0].at;
        values = list.map((item, index) => ({ at: `${listAt}[${index}]`, literal: item }));
      }
    }

    for (const side of values) {
      this.checkComparison(operator.base, factSide, side, operatorAt);
    }
  }

  private checkComparison(base: BaseOperator, fact: Operand, value: ValueSide, operatorAt: string) {
    if (NUMERIC_OPERATORS.has(base)) {
      this.checkNumericComparison(base, fact, value, operatorAt);
    } else if (base === 'equal' || base === 'notEqual') {
      if (fact.kind === 'list') {
        this.report(
          operatorAt,
          'operator_type_mismatch',
          `${fact.label} is a list; "${base}" would compare the whole list, use ` +
            '"contains" or "doesNotContain"',
        );

        return;
      }
      this.checkScalarValue(base, fact, value, true);
    } else if (base === 'in' || base === 'notIn') {
      this.checkListValue(base, fact, value, operatorAt);
    } else {
      if (fact.kind !== 'list') {
        this.report(
          operatorAt,
          'operator_type_mismatch',
          `"${base}" looks inside a list fact; ${fact.label} is ${article(fact.kind)} fact, ` +
            'use "equal" or "in"',
        );

        return;
      }
      this.checkScalarValue(base, { kind: 'element', label: fact.label }, value, false);
    }
  }

  private checkNumericComparison(
    base: BaseOperator,
    fact: Operand,
    value: ValueSide,
    operatorAt: string,
  ) {
    const kind = fact.kind;
    if (kind !== 'numeric' && kind !== 'date' && kind !== 'element') {
      this.report(
        operatorAt,
        'operator_type_mismatch',
        `"${base}" compares numbers; ${fact.label} is ${article(kind)} fact, ` +
          (kind === 'list'
            ? `use "someFact:${base}" or "everyFact:${base}"`
            : 'use "equal" or "in"'),
      );

      return;
    }
    if ('ref' in value) {
      if (!sameFamily(kind, value.ref.kind) || value.ref.kind === 'list') {
        this.report(
          value.at,
          'value_type_mismatch',
          `${fact.label} (${kind}) cannot be compared with ${value.ref.label} (${value.ref.kind})`,
        );
      }

      return;
    }

    const literal = value.literal;
    if (kind === 'date') {
      // ISO 8601 text orders like the dates it names, and the engine compares it as text.
      if (typeof literal !== 'string' || !ISO_DATE.test(literal)) {
        this.report(
          value.at,
          'value_not_date',
          `${fact.label} is a date; compare it with an ISO 8601 date such as "2025-01-31", ` +
            `not ${show(literal)}`,
        );
      }

      return;
    }
    if (typeof literal !== 'number' || !Number.isFinite(literal)) {
      this.report(
        value.at,
        'value_not_number',
        `"${base}" compares numbers; ${show(literal)} is not a number`,
      );

      return;
    }
    this.checkRange(fact, literal, value.at, false);
  }

  /** A single literal (or reference) compared by equality or looked for in a list fact. */
  private checkScalarValue(
    base: BaseOperator,
    fact: Operand,
    value: ValueSide,
    allowNull: boolean,
  ) {
    if ('ref' in value) {
      if (!sameFamily(fact.kind, value.ref.kind) || value.ref.kind === 'list') {
        this.report(
          value.at,
          'value_type_mismatch',
          `${fact.label} (${fact.kind}) cannot be compared with ${value.ref.label} ` +
            `(${value.ref.kind})`,
        );
      }

      return;
    }

    const literal = value.literal;
    if (Array.isArray(literal) || (literal !== null && typeof literal === 'object')) {
      this.report(
        value.at,
        'value_type_mismatch',
        `"${base}" compares with one value` +
          (base === 'equal' || base === 'notEqual' ? '; use "in" or "notIn" for a list' : ''),
      );

      return;
    }
    if (literal === null && !allowNull) {
      this.report(value.at, 'value_type_mismatch', `"${base}" needs a value, not null`);

      return;
    }
    this.checkLiteralType(fact, literal, value.at);
  }

  private checkListValue(base: BaseOperator, fact: Operand, value: ValueSide, operatorAt: string) {
    if (fact.kind === 'list') {
      this.report(
        operatorAt,
        'operator_type_mismatch',
        `${fact.label} is a list; use "contains" or "doesNotContain" instead of "${base}"`,
      );

      return;
    }
    if ('ref' in value) {
      if (value.ref.kind !== 'list') {
        this.report(
          value.at,
          'value_not_array',
          `"${base}" needs a list; ${value.ref.label} is ${article(value.ref.kind)} fact`,
        );
      }

      return;
    }

    const list = value.literal;
    if (!Array.isArray(list)) {
      // The engine would call indexOf on the value and fail, or search a text for a substring.
      this.report(
        value.at,
        'value_not_array',
        `"${base}" needs an array value such as ["a", "b"], not ${show(list)}`,
      );

      return;
    }
    if (list.length === 0) {
      this.report(value.at, 'value_empty', `"${base}" needs at least one value`);

      return;
    }
    if (list.length > MAX_LIST_VALUES) {
      this.report(
        value.at,
        'value_too_long',
        `"${base}" may list at most ${MAX_LIST_VALUES} values, not ${list.length}`,
      );

      return;
    }
    list.forEach((item, index) => {
      const itemAt = `${value.at}[${index}]`;
      if (item !== null && typeof item === 'object') {
        this.report(itemAt, 'value_type_mismatch', `list items must be single values`);

        return;
      }
      this.checkLiteralType(fact, item, itemAt);
    });
  }

  /** A literal compared with `fact` by equality: its type must be one the fact can hold. */
  private checkLiteralType(fact: Operand, literal: unknown, at: string) {
    if (literal === null || fact.kind === 'element') {
      return;
    }
    const expected =
      fact.kind === 'numeric' ? 'number' : fact.kind === 'boolean' ? 'boolean' : 'string';
    if (typeof literal !== expected) {
      this.report(
        at,
        'value_type_mismatch',
        `${fact.label} is ${article(fact.kind)} fact; ${show(literal)} is not a ${expected}, so ` +
          'the comparison could never match',
      );

      return;
    }
    if (fact.kind === 'date' && !ISO_DATE.test(literal as string)) {
      this.report(
        at,
        'value_not_date',
        `${fact.label} is a date; use an ISO 8601 date such as "2025-01-31", not ${show(literal)}`,
      );

      return;
    }
    if (typeof literal === 'number') {
      this.checkRange(fact, literal, at, true);
    }
  }

  private checkRange(fact: Operand, value: number, at: string, exact: boolean) {
    const range = fact.range;
    if (!range) {
      return;
    }
    const outside = value < range.min || (range.max !== undefined && value > range.max);
    const fractional = exact && range.integer && !Number.isInteger(value);
    if (outside || fractional) {
      this.report(
        at,
        'value_out_of_range',
        `${fact.label} is ${range.words}; ${value} ` +
          (outside ? 'is outside that range' : 'is not an integer'),
      );
    }
  }
}

function sameFamily(a: Operand['kind'], b: Operand['kind']): boolean {
  const family = (kind: Operand['kind']) =>
    kind === 'categorical' || kind === 'identifier' ? 'text' : kind;

  return a === 'element' || b === 'element' || family(a) === family(b);
}
