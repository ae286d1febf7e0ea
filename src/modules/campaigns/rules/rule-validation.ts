/**
 * Checks campaign rules before they are stored or run. json-rules-engine accepts much that
 * can never fire (a typo in a fact name reads as undefined, `greaterThan "0.5"` compares text)
 * or fails only when a customer is evaluated (an unknown operator, `in` with a number); each
 * of those is refused here with the JSON path of the offending part.
 */
import { UserError } from '../../../common/errors';
import { MAX_DECORATORS, MAX_LIST_VALUES, OperandChecker } from './rule-operands';
import { REFUSED_KEYS, isPlainObject, refuseUnknownKeys, show } from './rule-messages';
import { ACTION_TYPES, ActionType, CampaignRule, FactType, RuleError } from './rule-types';

export const RULE_LIMITS = {
  rules: 500,
  /** Levels of `all`/`any`/`not`, the root counting as one. */
  depth: 32,
  /** Fact conditions in one rule. */
  conditions: 100,
  /** Decorators on one operator, as in `someFact:not:equal`. */
  decorators: MAX_DECORATORS,
  /** Items of an `in` list. */
  listValues: MAX_LIST_VALUES,
  nameLength: 200,
  /** Errors reported at most; the rest of the input is still checked but not listed. */
  errors: 100,
} as const;

export interface RulesContext {
  /** The customer attributes rules may read, by column name. Built-in facts take precedence. */
  readonly facts: Readonly<Record<string, FactType>>;
}

export type RulesValidation =
  { ok: true; rules: CampaignRule[] } | { ok: false; errors: RuleError[] };

/** Validates `rules` (parsed JSON) against the facts of `context`; see the module comment. */
export function validateRules(rules: unknown, context: RulesContext): RulesValidation {
  const checker = new RuleChecker(context);
  checker.checkAll(rules);

  if (checker.errors.length > 0) {
    return { ok: false, errors: checker.errors };
  }

  return { ok: true, rules: structuredClone(rules) as CampaignRule[] };
}

/** The `UserError` for rules that failed validation; details carry each error's path. */
export function rulesInvalid(errors: readonly RuleError[]): UserError {
  const shown = errors
    .slice(0, 3)
    .map((error) => error.message)
    .join('; ');
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';

  return new UserError(
    'rules_invalid',
    `The campaign rules are invalid: ${shown}${more}.`,
    400,
    errors.map((error) => ({ path: error.path, code: error.code, message: error.message })),
  );
}

const RULE_KEYS = new Set(['name', 'priority', 'conditions', 'event']);
const EVENT_KEYS = new Set(['type', 'params']);
const BOOLEAN_KEYS = ['all', 'any', 'not'] as const;
const FACT_KEYS = ['fact', 'operator', 'value', 'path'] as const;

class RuleChecker {
  readonly errors: RuleError[] = [];
  private readonly operands: OperandChecker;

  constructor(context: RulesContext) {
    this.operands = new OperandChecker(context.facts, (path, code, text) =>
      this.report(path, code, text),
    );
  }

  checkAll(rules: unknown): void {
    if (!Array.isArray(rules)) {
      this.report('$', 'rules_not_array', 'rules must be an array of rules');

      return;
    }
    if (rules.length > RULE_LIMITS.rules) {
      this.report(
        '$',
        'rules_exceeded',
        `${rules.length} rules is more than the ${RULE_LIMITS.rules} a campaign may have`,
      );

      return;
    }

    const firstByName = new Map<string, number>();
    rules.forEach((rule, index) => this.checkRule(rule, `$[${index}]`, index, firstByName));
  }

  private checkRule(rule: unknown, at: string, index: number, firstByName: Map<string, number>) {
    if (!isPlainObject(rule)) {
      this.report(at, 'rule_invalid', 'a rule must be an object with name, conditions and event');

      return;
    }

    this.refuseKeys(rule, at, RULE_KEYS, 'a rule has name, priority, conditions and event');
    this.checkName(rule, at, index, firstByName);
    this.checkPriority(rule, at);
    this.checkEvent(rule, at);
    this.checkRootConditions(rule, at);
  }

  private checkName(
    rule: Record<string, unknown>,
    at: string,
    index: number,
    firstByName: Map<string, number>,
  ) {
    const name = rule.name;
    if (!Object.hasOwn(rule, 'name')) {
      this.report(`${at}.name`, 'rule_name_missing', 'every rule needs a name');

      return;
    }
    if (typeof name !== 'string' || name.trim() === '' || name.length > RULE_LIMITS.nameLength) {
      this.report(
        `${at}.name`,
        'rule_name_invalid',
        `the name must be non-empty text of at most ${RULE_LIMITS.nameLength} characters`,
      );

      return;
    }

    const first = firstByName.get(name);
    if (first !== undefined) {
      this.report(
        `${at}.name`,
        'rule_name_duplicate',
        `"${name}" is already the name of $[${first}]; rule names must be unique`,
      );

      return;
    }
    firstByName.set(name, index);
  }

  private checkPriority(rule: Record<string, unknown>, at: string) {
    if (!Object.hasOwn(rule, 'priority')) {
      return;
    }
    const priority = rule.priority;
    if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 1) {
      // The engine would read "5abc" as 5, 2.7 as 2 and 0 as 1 without a word.
      this.report(
        `${at}.priority`,
        'rule_priority_invalid',
        `priority must be a positive integer, not ${show(priority)}`,
      );
    }
  }

  private checkEvent(rule: Record<string, unknown>, at: string) {
    const eventAt = `${at}.event`;
    if (!Object.hasOwn(rule, 'event')) {
      this.report(eventAt, 'event_missing', 'every rule needs an event: the action to take');

      return;
    }
    const event = rule.event;
    if (!isPlainObject(event)) {
      this.report(eventAt, 'event_invalid', 'the event must be an object with type and params');

      return;
    }

    this.refuseKeys(event, eventAt, EVENT_KEYS, 'an event has type and params');
    if (!ACTION_TYPES.includes(event.type as ActionType)) {
      this.report(
        `${eventAt}.type`,
        'event_type_unknown',
        `${show(event.type)} is not an action; use one of ${ACTION_TYPES.join(', ')}`,
      );
    }
    if (Object.hasOwn(event, 'params') && !isPlainObject(event.params)) {
      this.report(
        `${eventAt}.params`,
        'event_params_invalid',
        'params must be an object, e.g. { "template": "spring-offer" }',
      );
    }
  }

  private checkRootConditions(rule: Record<string, unknown>, at: string) {
    const conditionsAt = `${at}.conditions`;
    if (!Object.hasOwn(rule, 'conditions')) {
      this.report(conditionsAt, 'conditions_missing', 'every rule needs conditions');

      return;
    }
    const conditions = rule.conditions;
    if (!isPlainObject(conditions) || !BOOLEAN_KEYS.some((key) => Object.hasOwn(conditions, key))) {
      const refused = isPlainObject(conditions) && Object.hasOwn(conditions, 'condition');
      this.report(
        conditionsAt,
        refused ? REFUSED_KEYS.condition.code : 'conditions_invalid',
        refused
          ? REFUSED_KEYS.condition.why
          : 'conditions must be an object whose root is "all", "any" or "not"',
      );

      return;
    }

    const counter = { conditions: 0 };
    this.checkCondition(conditions, conditionsAt, 1, counter);
    if (counter.conditions > RULE_LIMITS.conditions) {
      this.report(
        conditionsAt,
        'rule_conditions_exceeded',
        `${counter.conditions} conditions is more than the ${RULE_LIMITS.conditions} a rule may have`,
      );
    }
  }

  private checkCondition(
    condition: unknown,
    at: string,
    depth: number,
    counter: { conditions: number },
  ): void {
    if (!isPlainObject(condition)) {
      this.report(at, 'condition_invalid', 'a condition must be an object');

      return;
    }
    const booleans = BOOLEAN_KEYS.filter((key) => Object.hasOwn(condition, key));
    if (booleans.length > 1) {
      // The engine would silently use the first of any, all, not.
      this.report(
        at,
        'condition_ambiguous',
        `a condition has one of all, any and not, not ${booleans.join(' and ')}`,
      );

      return;
    }
    if (booleans.length === 0) {
      counter.conditions += 1;
      this.checkFactCondition(condition, at);

      return;
    }

    const key = booleans[0];
    const mixed = FACT_KEYS.filter((factKey) => Object.hasOwn(condition, factKey));
    if (mixed.length > 0) {
      this.report(
        at,
        'condition_ambiguous',
        `"${key}" cannot be combined with ${mixed.map((k) => `"${k}"`).join(', ')}; ` +
          `put the comparison inside "${key}"`,
      );

      return;
    }
    this.refuseKeys(condition, at, new Set([key]), `a "${key}" condition has only "${key}"`);
    if (depth > RULE_LIMITS.depth) {
      this.report(
        at,
        'condition_depth_exceeded',
        `conditions nest deeper than ${RULE_LIMITS.depth} levels of all, any and not`,
      );

      return;
    }

    const inner = condition[key];
    const innerAt = `${at}.${key}`;
    if (key === 'not') {
      if (Array.isArray(inner)) {
        this.report(
          innerAt,
          'not_is_array',
          '"not" takes one condition, not an array; wrap several in "all" or "any"',
        );

        return;
      }
      this.checkCondition(inner, innerAt, depth + 1, counter);

      return;
    }
    if (!Array.isArray(inner)) {
      this.report(innerAt, 'condition_not_array', `"${key}" must be an array of conditions`);

      return;
    }
    if (inner.length === 0) {
      // json-rules-engine passes an empty all or any, which would fire for every customer.
      this.report(innerAt, 'condition_empty', `"${key}" is empty; give it at least one condition`);

      return;
    }
    inner.forEach((child, index) =>
      this.checkCondition(child, `${innerAt}[${index}]`, depth + 1, counter),
    );
  }

  private checkFactCondition(condition: Record<string, unknown>, at: string) {
    this.refuseKeys(
      condition,
      at,
      new Set(FACT_KEYS),
      'a comparison has fact, operator, value and an optional path',
    );
    const missing = (['fact', 'operator', 'value'] as const).filter(
      (key) => !Object.hasOwn(condition, key),
    );
    for (const key of missing) {
      this.report(
        `${at}.${key}`,
        `${key}_missing`,
        `"${key}" is missing; a comparison needs fact, operator and value (or use all, any, not)`,
      );
    }

    const operand = Object.hasOwn(condition, 'fact')
      ? this.operands.resolveFact(condition.fact, condition, `${at}.fact`, `${at}.path`)
      : undefined;
    const operator = Object.hasOwn(condition, 'operator')
      ? this.operands.checkOperator(condition.operator, `${at}.operator`)
      : undefined;
    const value = Object.hasOwn(condition, 'value')
      ? this.operands.readValue(condition.value, `${at}.value`)
      : undefined;

    if (operand && operator && value) {
      this.operands.checkOperands(operator, operand, value, `${at}.operator`);
    }
  }

  private refuseKeys(
    object: Record<string, unknown>,
    at: string,
    allowed: ReadonlySet<string>,
    hint: string,
  ) {
    refuseUnknownKeys(object, at, allowed, hint, (path, code, text) =>
      this.report(path, code, text),
    );
  }

  private report(path: string, code: string, text: string) {
    if (this.errors.length < RULE_LIMITS.errors) {
      this.errors.push({ path, code, message: `${path}: ${text}` });
    }
  }
}
