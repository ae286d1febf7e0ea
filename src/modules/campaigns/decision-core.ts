/**
 * The decision core: what a campaign does for one customer, given everything about them.
 * Simulation, runs and real-time decisions all decide here, so they cannot disagree. Pure:
 * no clock, no database; the caller passes the time, the score, the contacts and any
 * suppression.
 *
 * In order: a suppressed customer gets nothing; a customer in the holdout group gets
 * nothing either, but the decision records what would have been done; otherwise the rules
 * that fire are arbitrated against the frequency caps. Out-of-audience customers are not
 * decided at all (see `inAudience`).
 */
import { UserError } from '../../common/errors';
import { AudienceFilter, compileAudience } from '../scoring/audience';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import type { CampaignView } from './campaign.entity';
import type { Arbitration, FrequencyCap } from './campaign-validation';
import { historyFacts, lookbackDays } from './contact-history';
import { anyReached, CapCheck, checkCaps, ContactEvent, describeCaps } from './frequency-caps';
import { formatShare, inHoldout } from './holdout';
import {
  ACTION_TYPES,
  ActionType,
  CompiledRuleSet,
  compileRules,
  FiredRule,
  RuleEvaluationError,
} from './rules';
import type { SuppressionReason } from './suppression.entity';

/** What one decision row says happened. */
export type DecisionStatus = 'action' | 'holdout' | 'suppressed' | 'capped' | 'no_rule';

export const DECISION_STATUSES: readonly DecisionStatus[] = [
  'action',
  'holdout',
  'suppressed',
  'capped',
  'no_rule',
];

/** The slot of a decision without an action (suppressed, no rule, holdout without a rule). */
export const NO_ACTION_SLOT = 'none';

/** A campaign made ready to decide: rules and audience compiled once. */
export interface CampaignPolicy {
  readonly id: string;
  readonly holdoutShare: number;
  readonly frequencyCaps: readonly FrequencyCap[];
  readonly arbitration: Arbitration;
  readonly ruleNames: readonly string[];
  readonly rules: CompiledRuleSet;
  readonly audience: AudienceFilter | null;
  /** Days of contact history the facts and caps read. */
  readonly lookbackDays: number;
}

/** The parts of a campaign a decision depends on; a run keeps them as they were at its start. */
export type CampaignPolicySource = Pick<
  CampaignView,
  'id' | 'rules' | 'audience' | 'holdoutShare' | 'frequencyCaps' | 'arbitration'
>;

export function prepareCampaign(campaign: CampaignPolicySource): CampaignPolicy {
  return {
    id: campaign.id,
    holdoutShare: campaign.holdoutShare,
    frequencyCaps: campaign.frequencyCaps,
    arbitration: campaign.arbitration,
    ruleNames: campaign.rules.map((rule) => rule.name),
    rules: compileRules(campaign.rules),
    audience: campaign.audience ? compileAudience(campaign.audience) : null,
    lookbackDays: lookbackDays(campaign.frequencyCaps),
  };
}

/** Whether the campaign is for this customer at all; decided before scoring. */
export function inAudience(policy: CampaignPolicy, attributes: CustomerAttributes): boolean {
  return policy.audience === null || policy.audience(attributes);
}

export interface SuppressionFact {
  readonly reason: SuppressionReason;
  readonly source: string;
  readonly createdAt: string;
}

/** Everything known about one customer when deciding. */
export interface CustomerCase {
  /** The customer id; the holdout draw hashes it with the campaign id. */
  readonly key: string;
  readonly attributes: CustomerAttributes;
  /** Calibrated probability from the campaign model's champion. */
  readonly score: number;
  readonly decile: number;
  /** Contacts by every campaign (see `loadContacts`), and any just decided for this customer. */
  readonly contacts: readonly ContactEvent[];
  readonly suppression: SuppressionFact | null;
}

/** One row of a decision: an action (taken, held out or capped), or the lack of one. */
export interface DecisionSlot {
  /** The action type, or `none`: unique per customer within a run. */
  readonly slot: string;
  readonly status: DecisionStatus;
  readonly rule: string | null;
  readonly priority: number | null;
  /** The action taken, or that would have been (holdout) or was capped; null for none. */
  readonly action: ActionType | null;
  readonly params: Readonly<Record<string, unknown>> | null;
  readonly reason: string;
  /** The caps checked for the action; null without one. */
  readonly caps: readonly CapCheck[] | null;
}

export interface CustomerDecision {
  /** `action` when any slot delivers; else the status of the (first) slot. */
  readonly status: DecisionStatus;
  readonly holdout: boolean;
  readonly slots: readonly DecisionSlot[];
}

/** The facts the rules read: attributes, then the built-in facts over them. */
export function factsOf(customer: CustomerCase, now: number): Record<string, unknown> {
  // Copied, then extended key by key: V8 builds an object literal that spreads the attributes
  // and adds keys after them on a slow path (about 10 µs a customer, the most of deciding).
  // Object.assign would call the `__proto__` setter for an attribute of that name instead of
  // copying it, so such (rare) attributes take the literal.
  const facts: Record<string, unknown> = Object.hasOwn(customer.attributes, '__proto__')
    ? { ...customer.attributes }
    : Object.assign({}, customer.attributes);
  const history = historyFacts(customer.contacts, now);
  facts.score = customer.score;
  facts.score_decile = customer.decile;
  facts.days_since_last_action = history.days_since_last_action;
  facts.actions_last_30d = history.actions_last_30d;

  return facts;
}

/**
 * Decides one customer of the campaign's audience at `now` (epoch ms).
 *
 * @throws UserError `rule_evaluation_failed` (422) where json-rules-engine would reject the
 *   evaluation, e.g. `in` against an attribute that holds no list.
 */
export function decideCustomer(
  policy: CampaignPolicy,
  customer: CustomerCase,
  now: number,
): CustomerDecision {
  if (customer.suppression) {
    return { status: 'suppressed', holdout: false, slots: [suppressedSlot(customer.suppression)] };
  }

  const fired = evaluate(policy, customer, now);
  const slots =
    fired.length === 0
      ? [noRuleSlot(policy, customer)]
      : policy.arbitration === 'one_per_action'
        ? perAction(policy, fired, customer.contacts, now)
        : perCustomer(policy, fired, customer.contacts, now);

  if (inHoldout(policy.id, customer.key, policy.holdoutShare)) {
    return { status: 'holdout', holdout: true, slots: heldOut(policy, slots) };
  }

  return {
    status: slots.some((s) => s.status === 'action') ? 'action' : slots[0].status,
    holdout: false,
    slots,
  };
}

/** The slots that deliver an action. */
export function deliveredSlots(decision: CustomerDecision): DecisionSlot[] {
  return decision.slots.filter((slot) => slot.status === 'action');
}

/** The contacts a decision adds at `now`, for deciding the same customer again right after. */
export function contactsOf(decision: CustomerDecision, now: number): ContactEvent[] {
  return deliveredSlots(decision).map((slot) => ({ action: slot.action as ActionType, at: now }));
}

function evaluate(policy: CampaignPolicy, customer: CustomerCase, now: number): FiredRule[] {
  try {
    // The facts are made here and dropped once the decision is made.
    return policy.rules.evaluateLazily(factsOf(customer, now));
  } catch (error) {
    if (!(error instanceof RuleEvaluationError)) throw error;
    throw new UserError(
      'rule_evaluation_failed',
      `The rules of campaign ${policy.id} could not be evaluated for customer ` +
        `${customer.key}: ${error.message}. Pause the campaign, import corrected rules and ` +
        'activate it again.',
      422,
    );
  }
}

/** one_per_customer: the highest-priority fired rule whose action no cap holds back. */
function perCustomer(
  policy: CampaignPolicy,
  fired: readonly FiredRule[],
  contacts: readonly ContactEvent[],
  now: number,
): DecisionSlot[] {
  const passedOver: string[] = [];
  let top: { rule: FiredRule; caps: CapCheck[] } | undefined;
  for (const rule of fired) {
    const caps = checkCaps(policy.frequencyCaps, rule.event.type, contacts, now);
    top ??= { rule, caps };
    if (!anyReached(caps)) {
      const skipped = passedOver.length
        ? `; higher-priority rules capped: ${passedOver.join('; ')}`
        : '';

      return [actionSlot('action', rule, caps, `${ruleText(rule, caps)}${skipped}`)];
    }
    passedOver.push(ruleCapText(rule, caps));
  }
  const first = top as { rule: FiredRule; caps: CapCheck[] };

  return [
    actionSlot(
      'capped',
      first.rule,
      first.caps,
      `every fired rule is capped: ${passedOver.join('; ')}`,
    ),
  ];
}

/** one_per_action: the best rule of each action type; each action counts toward the next caps. */
function perAction(
  policy: CampaignPolicy,
  fired: readonly FiredRule[],
  contacts: readonly ContactEvent[],
  now: number,
): DecisionSlot[] {
  const best = new Map<ActionType, FiredRule>();
  for (const rule of fired) {
    if (!best.has(rule.event.type)) best.set(rule.event.type, rule);
  }

  const pending = [...contacts];
  const slots: DecisionSlot[] = [];
  for (const rule of best.values()) {
    const caps = checkCaps(policy.frequencyCaps, rule.event.type, pending, now);
    if (anyReached(caps)) {
      slots.push(actionSlot('capped', rule, caps, `capped: ${ruleCapText(rule, caps)}`));
      continue;
    }
    slots.push(actionSlot('action', rule, caps, ruleText(rule, caps)));
    pending.push({ action: rule.event.type, at: now });
  }

  return slots;
}

/** Turns what would have been done into the holdout decision that does nothing. */
function heldOut(policy: CampaignPolicy, slots: DecisionSlot[]): DecisionSlot[] {
  const group = `holdout (${formatShare(policy.holdoutShare)} control group), nothing sent`;

  return slots.map((slot): DecisionSlot => {
    if (slot.status === 'no_rule') {
      return { ...slot, status: 'holdout', reason: `${group}; ${slot.reason}` };
    }
    const would =
      slot.status === 'capped'
        ? `would have been held back, ${slot.reason}`
        : `would have sent ${slot.action} by ${slot.reason}`;

    return { ...slot, status: 'holdout', reason: `${group}; ${would}` };
  });
}

function actionSlot(
  status: 'action' | 'capped',
  rule: FiredRule,
  caps: CapCheck[],
  reason: string,
): DecisionSlot {
  return {
    slot: rule.event.type,
    status,
    rule: rule.name,
    priority: rule.priority,
    action: rule.event.type,
    params: rule.event.params ?? {},
    reason,
    caps,
  };
}

function suppressedSlot(suppression: SuppressionFact): DecisionSlot {
  return {
    ...emptySlot('suppressed'),
    reason:
      `suppressed (${suppression.reason.replace(/_/g, ' ')}, from ${suppression.source} ` +
      `since ${suppression.createdAt}), nothing sent`,
  };
}

function noRuleSlot(policy: CampaignPolicy, customer: CustomerCase): DecisionSlot {
  const rules = policy.ruleNames.length === 1 ? '1 rule' : `${policy.ruleNames.length} rules`;

  return {
    ...emptySlot('no_rule'),
    reason:
      `no rule fired (${rules}; score ${customer.score.toFixed(4)}, decile ` +
      `${customer.decile})`,
  };
}

function emptySlot(status: DecisionStatus): DecisionSlot {
  return {
    slot: NO_ACTION_SLOT,
    status,
    rule: null,
    priority: null,
    action: null,
    params: null,
    reason: '',
    caps: null,
  };
}

/** `rule "high-score" (email): score 0.62 >= 0.5; email cap 2/7d not reached (0 in 7d)`. */
function ruleText(rule: FiredRule, caps: readonly CapCheck[]): string {
  return `rule "${rule.name}" (${rule.event.type}): ${rule.reason}; ${describeCaps(rule.event.type, caps)}`;
}

function ruleCapText(rule: FiredRule, caps: readonly CapCheck[]): string {
  const reached = caps.filter((cap) => cap.reached);

  return `rule "${rule.name}" (${rule.event.type}): ${describeCaps(rule.event.type, reached)}`;
}

/** What a run or a simulation counts: customers by outcome, and the actions they got. */
export interface DecisionCounts {
  /** Customers read. */
  customers: number;
  outOfAudience: number;
  suppressed: number;
  holdout: number;
  noRule: number;
  /** Customers with fired rules whose every action was capped. */
  capped: number;
  /** Customers who got at least one action. */
  actioned: number;
  actions: number;
  /** Capped actions, including those beside a delivered one (one_per_action). */
  cappedActions: number;
  /** Decision rows written (or that would be). */
  decisions: number;
  byAction: Record<string, number>;
  byRule: Record<string, number>;
}

export function emptyCounts(ruleNames: readonly string[] = []): DecisionCounts {
  return {
    customers: 0,
    outOfAudience: 0,
    suppressed: 0,
    holdout: 0,
    noRule: 0,
    capped: 0,
    actioned: 0,
    actions: 0,
    cappedActions: 0,
    decisions: 0,
    byAction: Object.fromEntries(ACTION_TYPES.map((type) => [type, 0])),
    byRule: Object.fromEntries(ruleNames.map((name) => [name, 0])),
  };
}

/** Adds one decided customer to `counts` (mutated and returned). */
export function countDecision(counts: DecisionCounts, decision: CustomerDecision): DecisionCounts {
  counts.customers++;
  counts.decisions += decision.slots.length;
  const key = (
    {
      action: 'actioned',
      holdout: 'holdout',
      suppressed: 'suppressed',
      capped: 'capped',
      no_rule: 'noRule',
    } as const
  )[decision.status];
  counts[key]++;
  for (const slot of decision.slots) {
    if (slot.status === 'capped') {
      counts.cappedActions++;
    }
    if (slot.status === 'action') {
      counts.actions++;
      counts.byAction[slot.action as string] = (counts.byAction[slot.action as string] ?? 0) + 1;
      counts.byRule[slot.rule as string] = (counts.byRule[slot.rule as string] ?? 0) + 1;
    }
  }

  return counts;
}

/** Adds customers read but outside the audience. */
export function countOutOfAudience(counts: DecisionCounts, customers: number): DecisionCounts {
  counts.customers += customers;
  counts.outOfAudience += customers;

  return counts;
}
