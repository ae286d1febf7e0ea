/**
 * Compiles campaign rules into plain closures that decide exactly as json-rules-engine 7.3
 * does (`new Engine(rules, { allowUndefinedFacts: true }).run(facts)`), synchronously and
 * without promises, so that a run can evaluate millions of customers.
 *
 * Same as the engine: operator semantics (see rule-operators.ts), undefined for a missing
 * fact, a `path` ignored on a value that is not an object, `value: { fact }` references, an
 * empty `all` or `any` passing, rules reported by priority (highest first) and, within one
 * priority, in the order the engine's promises settle (see rule-order.ts). Where the engine
 * would reject the whole run (e.g. `in` against a fact that holds no list), `evaluate`
 * throws a `RuleEvaluationError`.
 *
 * Not reproduced, refused with a `RuleCompileError`: condition priorities, shared condition
 * references, paths other than `$.a.b`. Facts are plain data: the engine would call a fact
 * that is a function, this evaluator reads it as a value.
 */
import {
  ConditionNode,
  RuleCompileError,
  RuleEvaluationError,
  Test,
  compileCondition,
  guarded,
  rootKey,
} from './rule-conditions';
import { OrderShape, orderShape, settlementOrder, timingFacts } from './rule-order';
import type { Explainer } from './rule-reason';
import { BooleanCondition, CampaignRule, Facts, FiredRule, RuleEvent } from './rule-types';

export { RuleCompileError, RuleEvaluationError };

export interface CompileOptions {
  /** As the engine's option: when false, a missing fact makes `evaluate` throw. Default true. */
  allowUndefinedFacts?: boolean;
}

export interface CompiledRuleSet {
  /** How many rules were compiled. */
  readonly size: number;
  /** The rules that fire for one customer's facts, in the order json-rules-engine reports. */
  evaluate(facts: Facts): FiredRule[];
  /**
   * As `evaluate`, but each rule's reason is written only when it is read: deciding reads one
   * or two of the rules that fire (five or so in a typical campaign). The facts must not
   * change until then.
   */
  evaluateLazily(facts: Facts): FiredRule[];
}

export function compileRules(
  rules: readonly CampaignRule[],
  options: CompileOptions = {},
): CompiledRuleSet {
  const strict = options.allowUndefinedFacts === false;
  const compiled = rules.map((rule, index) => compileRule(rule, index, strict));

  const byPriority = new Map<number, CompiledRule[]>();
  for (const rule of compiled) {
    const group = byPriority.get(rule.priority) ?? [];
    group.push(rule);
    byPriority.set(rule.priority, group);
  }
  const groups = [...byPriority.entries()]
    .sort(([a], [b]) => b - a)
    .map(([, group]) => new PriorityGroup(group));

  return new RuleSet(groups, compiled.length);
}

class CompiledRule {
  readonly test: Test;

  constructor(
    readonly name: string,
    readonly priority: number,
    readonly event: Readonly<RuleEvent>,
    readonly shape: OrderShape,
    private readonly root: ConditionNode,
  ) {
    this.test = root.mayThrow ? guarded(root.test, name) : root.test;
  }

  fire(facts: Facts): FiredRule {
    return {
      name: this.name,
      priority: this.priority,
      event: this.event,
      reason: this.root.passed.text(facts),
    };
  }

  fireLazily(facts: Facts): FiredRule {
    return new LazilyExplained(this.name, this.priority, this.event, this.root.passed, facts);
  }
}

/** A fired rule whose reason is written when first read. */
class LazilyExplained implements FiredRule {
  private text: string | undefined;

  constructor(
    readonly name: string,
    readonly priority: number,
    readonly event: Readonly<RuleEvent>,
    private readonly passed: Explainer,
    private readonly facts: Facts,
  ) {}

  get reason(): string {
    return (this.text ??= this.passed.text(this.facts));
  }
}

class RuleSet implements CompiledRuleSet {
  constructor(
    private readonly groups: readonly PriorityGroup[],
    readonly size: number,
  ) {}

  evaluate(facts: Facts): FiredRule[] {
    return this.fire(facts, false);
  }

  evaluateLazily(facts: Facts): FiredRule[] {
    return this.fire(facts, true);
  }

  private fire(facts: Facts, lazily: boolean): FiredRule[] {
    const fired: FiredRule[] = [];
    const groups = this.groups;
    for (let g = 0; g < groups.length; g++) {
      const rules = groups[g].orderFor(facts);
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r];
        if (rule.test(facts)) {
          fired.push(lazily ? rule.fireLazily(facts) : rule.fire(facts));
        }
      }
    }

    return fired;
  }
}

/** The rules of one priority, in the order the engine would report them. */
class PriorityGroup {
  private readonly shapes: OrderShape[];
  private readonly timing: string[];
  private readonly fixed: CompiledRule[] | undefined;
  private readonly byPresence = new Map<number | string, CompiledRule[]>();

  constructor(private readonly rules: readonly CompiledRule[]) {
    this.shapes = rules.map((rule) => rule.shape);
    this.timing = rules.length > 1 ? timingFacts(this.shapes) : [];
    this.fixed = this.timing.length === 0 ? this.ordered(() => true) : undefined;
  }

  orderFor(facts: Facts): readonly CompiledRule[] {
    if (this.fixed) {
      return this.fixed;
    }

    const key = this.presenceKey(facts);
    let order = this.byPresence.get(key);
    if (!order) {
      order = this.ordered((fact) => Object.hasOwn(facts, fact));
      this.byPresence.set(key, order);
    }

    return order;
  }

  /** Which timing facts are present, as a bit mask (or text beyond 30 facts). */
  private presenceKey(facts: Facts): number | string {
    const timing = this.timing;
    if (timing.length <= 30) {
      let mask = 0;
      for (let i = 0; i < timing.length; i++) {
        if (Object.hasOwn(facts, timing[i])) mask |= 1 << i;
      }

      return mask;
    }

    return timing.map((fact) => (Object.hasOwn(facts, fact) ? '1' : '0')).join('');
  }

  private ordered(present: (fact: string) => boolean): CompiledRule[] {
    return this.rules.length === 1
      ? [...this.rules]
      : settlementOrder(this.shapes, present).map((index) => this.rules[index]);
  }
}

function compileRule(rule: CampaignRule, index: number, strict: boolean): CompiledRule {
  const where = `rule ${index} ("${String(rule.name)}")`;
  // The engine reads priority with parseInt and treats 0 or absent as 1.
  const priority = Number.parseInt(String(rule.priority || 1), 10);
  if (!(priority > 0)) {
    throw new RuleCompileError(`${where}: priority must be a positive integer`);
  }

  const conditions = rule.conditions as BooleanCondition & Record<string, unknown>;
  const root = rootKey(conditions);
  if (!root) {
    throw new RuleCompileError(`${where}: conditions need a root all, any or not`);
  }
  const node = compileCondition(conditions, strict, where);

  return new CompiledRule(rule.name, priority, eventOf(rule.event), orderShape(conditions), node);
}

/** The event as the engine reports it (params only when given), frozen and shared. */
function eventOf(event: RuleEvent): Readonly<RuleEvent> {
  const copy: RuleEvent = event.params
    ? { type: event.type, params: deepFreeze(structuredClone(event.params)) }
    : { type: event.type };

  return Object.freeze(copy);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }

  return value;
}
