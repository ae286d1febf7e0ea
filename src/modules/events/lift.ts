import { anyConverted, Exposure, exposures, LabelledDecision } from './labels';

/**
 * Lift over the holdout group, with 95% confidence intervals.
 *
 * - Difference of rates (contacted − holdout): Newcombe's hybrid score interval (his
 *   method 10, without continuity correction), built from the Wilson score interval of
 *   each rate. Unlike the Wald interval it stays inside [-1, 1] and keeps its coverage for
 *   rare outcomes and small groups.
 * - Relative lift (contacted rate / holdout rate − 1): the log risk-ratio interval (Katz),
 *   exp(ln RR ± z·√(1/x₁ − 1/n₁ + 1/x₀ − 1/n₀)) − 1; none when either group has no outcome.
 */

/** The 0.975 quantile of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** Wilson score interval of the proportion `x / n` (n > 0). */
export function wilsonInterval(x: number, n: number, z = Z_95): Interval {
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));

  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Newcombe's interval for p₁ − p₀ with p₁ = x₁/n₁, p₀ = x₀/n₀ (both n > 0). */
export function newcombeInterval(
  x1: number,
  n1: number,
  x0: number,
  n0: number,
  z = Z_95,
): Interval {
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const a = wilsonInterval(x1, n1, z);
  const b = wilsonInterval(x0, n0, z);
  const difference = p1 - p0;

  return {
    lower: difference - Math.sqrt((p1 - a.lower) ** 2 + (b.upper - p0) ** 2),
    upper: difference + Math.sqrt((a.upper - p1) ** 2 + (p0 - b.lower) ** 2),
  };
}

/** Interval of p₁/p₀ − 1 from the log risk ratio; null when x₁ or x₀ is 0. */
export function relativeLiftInterval(
  x1: number,
  n1: number,
  x0: number,
  n0: number,
  z = Z_95,
): Interval | null {
  if (x1 === 0 || x0 === 0 || n1 === 0 || n0 === 0) {
    return null;
  }
  const logRatio = Math.log(x1 / n1 / (x0 / n0));
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0);

  return { lower: Math.exp(logRatio - z * se) - 1, upper: Math.exp(logRatio + z * se) - 1 };
}

export interface GroupOutcome {
  /** Customers (campaign level) or decisions (rule level) in the group. */
  readonly count: number;
  /** Of them, those with an outcome of the chosen type within the window. */
  readonly converted: number;
  /** `converted / count`; null for an empty group. */
  readonly rate: number | null;
  /** Of `count`, those whose window is still open without an outcome. */
  readonly open: number;
}

export interface Lift {
  /** Contacted rate − holdout rate. */
  readonly difference: number | null;
  readonly differenceInterval: Interval | null;
  /** Contacted rate / holdout rate − 1; null when the holdout rate is 0. */
  readonly relative: number | null;
  readonly relativeInterval: Interval | null;
}

export interface Comparison {
  readonly contacted: GroupOutcome;
  readonly holdout: GroupOutcome;
  readonly lift: Lift;
}

/** Compares two groups given as (count, converted) pairs. */
export function compare(
  contacted: Omit<GroupOutcome, 'rate'>,
  holdout: Omit<GroupOutcome, 'rate'>,
): Comparison {
  const withRate = (g: Omit<GroupOutcome, 'rate'>): GroupOutcome => ({
    ...g,
    rate: g.count > 0 ? g.converted / g.count : null,
  });
  const a = withRate(contacted);
  const b = withRate(holdout);
  if (a.rate === null || b.rate === null) {
    return { contacted: a, holdout: b, lift: NO_LIFT };
  }

  return {
    contacted: a,
    holdout: b,
    lift: {
      difference: a.rate - b.rate,
      differenceInterval: newcombeInterval(a.converted, a.count, b.converted, b.count),
      relative: b.rate > 0 ? a.rate / b.rate - 1 : null,
      relativeInterval: relativeLiftInterval(a.converted, a.count, b.converted, b.count),
    },
  };
}

const NO_LIFT: Lift = {
  difference: null,
  differenceInterval: null,
  relative: null,
  relativeInterval: null,
};

/**
 * Which holdout decisions a rule is compared with: `rule` — those for which the same rule
 * would have fired; `campaign` — the whole holdout group, used when no holdout decision of
 * the campaign names a rule (a control group recorded without evaluating the rules, as in
 * an imported historical test).
 */
export type ControlGroup = 'rule' | 'campaign';

export interface RuleLift extends Comparison {
  readonly rule: string;
  readonly controlGroup: ControlGroup;
}

export interface LiftSummary extends Comparison {
  readonly controlGroup: ControlGroup;
  readonly rules: RuleLift[];
}

/**
 * The lift of a campaign from its labelled decisions. At campaign level the unit is a
 * customer's exposure (one run, or one real-time decision): contacted when any of its
 * decisions sent an action. The holdout group is the held-out exposures for which a rule
 * would have fired and no cap would have held the action back (or every held-out exposure,
 * when none names a rule). At rule level the unit is a decision.
 */
export function liftSummary(
  labelled: readonly LabelledDecision[],
  ruleOrder: readonly string[] = [],
): LiftSummary {
  const controlGroup: ControlGroup = labelled.some((d) => d.status === 'holdout' && d.rule)
    ? 'rule'
    : 'campaign';
  const comparable = (d: LabelledDecision): boolean =>
    d.status === 'holdout' && (controlGroup === 'campaign' || (d.rule !== null && !d.capped));

  const all = exposures(labelled);
  const treated = all.filter((e) => e.treated);
  const control = all.filter((e) => !e.treated && e.decisions.some(comparable));
  const holdoutDecisions = labelled.filter(comparable);
  const overall = compare(
    countExposures(treated, (d) => d.status === 'action'),
    countExposures(control, comparable),
  );

  const names = new Set(labelled.map((d) => d.rule).filter((r): r is string => r !== null));
  const ordered = [
    ...ruleOrder.filter((name) => names.has(name)),
    ...[...names].filter((name) => !ruleOrder.includes(name)).sort(),
  ];
  const rules = ordered.map((rule): RuleLift => {
    const contacted = labelled.filter((d) => d.status === 'action' && d.rule === rule);
    const held =
      controlGroup === 'rule' ? holdoutDecisions.filter((d) => d.rule === rule) : holdoutDecisions;

    return { rule, controlGroup, ...compare(countDecisions(contacted), countDecisions(held)) };
  });

  return { ...overall, controlGroup, rules };
}

function countExposures(
  list: readonly Exposure[],
  counted: (d: LabelledDecision) => boolean,
): Omit<GroupOutcome, 'rate'> {
  let converted = 0;
  let open = 0;
  for (const exposure of list) {
    const decisions = exposure.decisions.filter(counted);
    if (anyConverted(decisions)) {
      converted++;
    } else if (decisions.some((d) => d.open)) {
      open++;
    }
  }

  return { count: list.length, converted, open };
}

function countDecisions(list: readonly LabelledDecision[]): Omit<GroupOutcome, 'rate'> {
  return {
    count: list.length,
    converted: list.filter((d) => d.converted).length,
    open: list.filter((d) => d.open).length,
  };
}
