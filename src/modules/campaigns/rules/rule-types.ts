/**
 * Campaign rules are json-rules-engine rules whose event is an action. These types describe
 * the subset Bullseye accepts (see `validateRules`) and what evaluating them returns.
 */
import { ColumnType } from '../../datasets/dataset-schema';

/** What a rule's event asks for: the channel of the action. */
export type ActionType = 'ad' | 'promo' | 'email' | 'social';

export const ACTION_TYPES: readonly ActionType[] = ['ad', 'promo', 'email', 'social'];

/**
 * The type of a fact a rule may read: a customer attribute's column type, or `list` for an
 * attribute that holds an array of values (e.g. tags), the only kind `contains` applies to.
 */
export type FactType = ColumnType | 'list';

export type ScalarValue = string | number | boolean | null;

/** A condition's `value` that is read from another fact at evaluation time. */
export interface FactReference {
  fact: string;
  path?: string;
}

export type ConditionValue = ScalarValue | ScalarValue[] | FactReference;

/** Compares one fact (or one key of it, with `path`) with a value. */
export interface FactCondition {
  fact: string;
  operator: string;
  value: ConditionValue;
  /** A JSONPath into an object fact; Bullseye accepts `$.key` only. */
  path?: string;
}

export interface AllConditions {
  all: RuleCondition[];
}

export interface AnyConditions {
  any: RuleCondition[];
}

export interface NotCondition {
  not: RuleCondition;
}

export type BooleanCondition = AllConditions | AnyConditions | NotCondition;

export type RuleCondition = BooleanCondition | FactCondition;

export interface RuleEvent {
  type: ActionType;
  /** What the action needs: template, offer, audience, creative ... */
  params?: Record<string, unknown>;
}

export interface CampaignRule {
  /** Unique within a campaign; decisions name the rule that chose them. */
  name: string;
  /** A positive integer; higher runs and reports first. 1 when absent. */
  priority?: number;
  conditions: BooleanCondition;
  event: RuleEvent;
}

/** One customer's facts by name: attributes, score, decile, contact history. */
export type Facts = Readonly<Record<string, unknown>>;

/** One rule whose conditions held for a customer. */
export interface FiredRule {
  readonly name: string;
  readonly priority: number;
  readonly event: Readonly<RuleEvent>;
  /** The conditions that decided it, e.g. `score 0.62 >= 0.5 and job in [management, admin.]`. */
  readonly reason: string;
}

/** A problem in submitted rules, located by a JSON path such as `$[2].conditions.all[0]`. */
export interface RuleError {
  readonly path: string;
  /** Stable snake_case code, e.g. `operator_unknown`. */
  readonly code: string;
  /** Says what is wrong and names the path. */
  readonly message: string;
}
