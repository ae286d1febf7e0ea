/**
 * The facts every campaign rule may use besides the customer's attributes. Contact history
 * is one object fact per measure, keyed by action type, read with a path:
 *
 *   { "fact": "days_since_last_action", "path": "$.email", "operator": "greaterThan", "value": 30 }
 *
 * A customer never contacted through a channel has no key for it, so the path reads
 * undefined and every numeric comparison on it is false; a `not` turns that into true.
 */
import { ActionType, FactType } from './rule-types';

/** The keys of a contact-history fact: one per action type, and `any` for all of them. */
export type HistoryKey = ActionType | 'any';

export const HISTORY_KEYS: readonly HistoryKey[] = ['email', 'ad', 'promo', 'social', 'any'];

/** The value of a contact-history fact, e.g. `{ email: 3, any: 3 }`. */
export type ContactHistory = Partial<Record<HistoryKey, number>>;

/** What a fact holds, as validation reasons about it: a `FactType` or a history object. */
export type FactKind = FactType | 'history';

/** Bounds of a numeric fact, so that a threshold no customer can reach is refused. */
export interface NumericRange {
  readonly min: number;
  readonly max?: number;
  readonly integer: boolean;
  /** How a message describes the fact's values. */
  readonly words: string;
}

export interface BuiltInFact {
  readonly kind: FactKind;
  readonly range: NumericRange;
}

export const BUILT_IN_FACTS: Readonly<Record<string, BuiltInFact>> = {
  score: {
    kind: 'numeric',
    range: { min: 0, max: 1, integer: false, words: 'a calibrated probability from 0 to 1' },
  },
  score_decile: {
    kind: 'numeric',
    range: { min: 1, max: 10, integer: true, words: 'an integer from 1 (top 10%) to 10' },
  },
  days_since_last_action: {
    kind: 'history',
    range: { min: 0, integer: false, words: 'a number of days, 0 or more' },
  },
  actions_last_30d: {
    kind: 'history',
    range: { min: 0, integer: true, words: 'a count, 0 or more' },
  },
};

export function isBuiltInFact(name: string): boolean {
  return Object.hasOwn(BUILT_IN_FACTS, name);
}
