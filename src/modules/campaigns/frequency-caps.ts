/**
 * Frequency caps: at most `max` actions of one type (or of any type) reach a customer within
 * a rolling window of `windowDays`, counting the actions of every campaign. Pure: the counts
 * come from the customer's contacts, given as a list.
 */
import type { CapAction, FrequencyCap } from './campaign-validation';
import type { ActionType } from './rules';

export const DAY_MS = 86_400_000;

/** One action that reached (or is about to reach) a customer. */
export interface ContactEvent {
  readonly action: ActionType;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** One cap checked for one action: how many actions count against it, and whether it is full. */
export interface CapCheck {
  readonly action: CapAction;
  readonly max: number;
  readonly windowDays: number;
  /** Actions in the window before this one. */
  readonly count: number;
  /** `count >= max`: one more would break the cap. */
  readonly reached: boolean;
}

/** The caps that count an action of `action`: its own type's and the `any` caps. */
export function capsFor(caps: readonly FrequencyCap[], action: ActionType): FrequencyCap[] {
  return caps.filter((cap) => cap.action === action || cap.action === 'any');
}

/** Contacts within the cap's window ending at `now` (later ones count too) of its action. */
export function countInWindow(
  contacts: readonly ContactEvent[],
  cap: Pick<FrequencyCap, 'action' | 'windowDays'>,
  now: number,
): number {
  const since = now - cap.windowDays * DAY_MS;
  let count = 0;
  for (const contact of contacts) {
    if (contact.at > since && (cap.action === 'any' || contact.action === cap.action)) {
      count++;
    }
  }

  return count;
}

/** Every cap that applies to one more `action` for a customer with these contacts. */
export function checkCaps(
  caps: readonly FrequencyCap[],
  action: ActionType,
  contacts: readonly ContactEvent[],
  now: number,
): CapCheck[] {
  return applicableCaps(caps, action).map((cap) =>
    capCheck(cap, countInWindow(contacts, cap, now)),
  );
}

/**
 * A run checks the same few caps for a million customers, and their checks differ only by
 * count: the caps that apply to an action, and each check, are made once per campaign and
 * shared (frozen), which also lets a batch's stored caps be serialised once. A campaign's
 * caps are never changed in place (an edit makes a new campaign revision, read afresh).
 */
const applicable = new WeakMap<readonly FrequencyCap[], Map<ActionType, FrequencyCap[]>>();
const checks = new WeakMap<FrequencyCap, Map<number, CapCheck>>();

function applicableCaps(caps: readonly FrequencyCap[], action: ActionType): FrequencyCap[] {
  return memoised(applicable, caps, action, () => capsFor(caps, action));
}

function capCheck(cap: FrequencyCap, count: number): CapCheck {
  return memoised(checks, cap, count, () =>
    Object.freeze({
      action: cap.action,
      max: cap.max,
      windowDays: cap.windowDays,
      count,
      reached: count >= cap.max,
    }),
  );
}

/** The value kept under `owner` and `key`, made by `make` the first time it is asked for. */
function memoised<O extends object, K, V>(
  store: WeakMap<O, Map<K, V>>,
  owner: O,
  key: K,
  make: () => V,
): V {
  let byKey = store.get(owner);
  if (byKey === undefined) {
    byKey = new Map();
    store.set(owner, byKey);
  }
  let value = byKey.get(key);
  if (value === undefined) {
    value = make();
    byKey.set(key, value);
  }

  return value;
}

export function anyReached(checks: readonly CapCheck[]): boolean {
  return checks.some((check) => check.reached);
}

/** `email cap 2/7d not reached (1 in 7d); any cap 3/30d reached (3 in 30d)`. */
export function describeCaps(action: ActionType, checks: readonly CapCheck[]): string {
  if (checks.length === 0) {
    return `no frequency cap on ${action}`;
  }

  return checks
    .map((check) => {
      const cap = `${check.action} cap ${check.max}/${check.windowDays}d`;
      const state = check.reached ? 'reached' : 'not reached';

      return `${cap} ${state} (${check.count} in ${check.windowDays}d)`;
    })
    .join('; ');
}
