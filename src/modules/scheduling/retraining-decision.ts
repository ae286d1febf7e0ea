/**
 * Whether a retraining run promotes its challenger: the guards each challenger must pass
 * and the comparison with the champion on the same held-out rows. Pure functions; the run
 * loads the figures and applies the decision.
 */

export type RetrainingMetric = 'rocAuc' | 'prAuc' | 'logLoss' | 'brier';

export const RETRAINING_METRICS: readonly RetrainingMetric[] = [
  'rocAuc',
  'prAuc',
  'logLoss',
  'brier',
];

/** Log loss and Brier score measure error: lower is better. */
export function lowerIsBetter(metric: RetrainingMetric): boolean {
  return metric === 'logLoss' || metric === 'brier';
}

export interface RetrainingGuards {
  /** Fewest labelled rows a challenger may be trained on. */
  readonly minRows: number;
  /** Refuse training rows that hold only one outcome. */
  readonly requireBothClasses: boolean;
  /** Largest increase of the calibration error (ECE) over the champion's that is accepted. */
  readonly maxEceIncrease: number;
}

export type GuardName = 'min_rows' | 'both_classes' | 'calibration';

export interface GuardResult {
  readonly guard: GuardName;
  readonly passed: boolean;
  readonly detail: string;
}

/** The guards on the training rows themselves, checked before anything is trained. */
export function trainingDataGuards(args: {
  readonly rows: number;
  readonly positives: number;
  readonly guards: RetrainingGuards;
}): GuardResult[] {
  const { rows, positives, guards } = args;
  const results: GuardResult[] = [
    {
      guard: 'min_rows',
      passed: rows >= guards.minRows,
      detail: `${rows} labelled rows, at least ${guards.minRows} required`,
    },
  ];
  if (guards.requireBothClasses) {
    const negatives = rows - positives;
    results.push({
      guard: 'both_classes',
      passed: positives > 0 && negatives > 0,
      detail: `${positives} positive and ${negatives} negative rows`,
    });
  }

  return results;
}

/** One model's figures on the held-out rows of the run. */
export interface ModelFigures {
  /** The run's metric. */
  readonly value: number;
  /** Expected calibration error. */
  readonly ece: number;
}

export interface ChallengerFigures extends ModelFigures {
  /** How the reason names it, e.g. the plugin id. */
  readonly label: string;
}

export interface RetrainingDecision {
  readonly action: 'promote' | 'keep';
  /** The challenger the run registers: the best one that passes its guard, else the best. */
  readonly chosen: number;
  /** How much better the chosen challenger is (positive = better); null without champion. */
  readonly improvement: number | null;
  /** The calibration guard of the chosen challenger. */
  readonly guards: GuardResult[];
  /** One sentence quoting the figures, for the run and the promotion history. */
  readonly reason: string;
}

/**
 * Promotes the best challenger only if it passes its calibration guard and beats the
 * champion by at least `margin` on `metric` (and by more than nothing, whatever the
 * margin). Without a champion the best challenger that passes its guard is promoted.
 *
 * @throws Error without challengers (the run fails before it gets here).
 */
export function decideRetraining(args: {
  readonly metric: RetrainingMetric;
  readonly margin: number;
  readonly maxEceIncrease: number;
  readonly champion: (ModelFigures & { readonly version: number }) | null;
  readonly challengers: readonly ChallengerFigures[];
}): RetrainingDecision {
  const { metric, margin, maxEceIncrease, champion, challengers } = args;
  if (challengers.length === 0) {
    throw new Error('A retraining decision needs at least one challenger.');
  }
  const lower = lowerIsBetter(metric);
  const score = (value: number): number =>
    Number.isFinite(value) ? (lower ? -value : value) : -Infinity;
  const guardOf = (c: ChallengerFigures): GuardResult =>
    champion === null
      ? {
          guard: 'calibration',
          passed: true,
          detail: `ECE ${f(c.ece)}; no champion to compare with`,
        }
      : {
          guard: 'calibration',
          passed: c.ece <= champion.ece + maxEceIncrease + 1e-12,
          detail:
            `ECE ${f(c.ece)} against the champion's ${f(champion.ece)}, ` +
            `at most ${f(maxEceIncrease)} worse allowed`,
        };

  const order = challengers
    .map((_, i) => i)
    .sort((a, b) => score(challengers[b].value) - score(challengers[a].value) || a - b);
  const chosen = order.find((i) => guardOf(challengers[i]).passed) ?? order[0];
  const challenger = challengers[chosen];
  const guard = guardOf(challenger);
  const named = `challenger ${challenger.label} ${metric} ${f(challenger.value)}`;

  if (champion === null) {
    return {
      action: 'promote',
      chosen,
      improvement: null,
      guards: [guard],
      reason: `no champion yet: ${named} (ECE ${f(challenger.ece)}) becomes the first champion`,
    };
  }

  const improvement = lower ? champion.value - challenger.value : challenger.value - champion.value;
  const against = `champion version ${champion.version} ${f(champion.value)}`;
  if (!guard.passed) {
    return {
      action: 'keep',
      chosen,
      improvement,
      guards: [guard],
      reason:
        `${named} vs ${against}, but its calibration error ${f(challenger.ece)} is worse ` +
        `than the champion's ${f(champion.ece)} by more than ${f(maxEceIncrease)}`,
    };
  }
  const beats = improvement > 0 && improvement >= margin - 1e-12;

  return {
    action: beats ? 'promote' : 'keep',
    chosen,
    improvement,
    guards: [guard],
    reason:
      `${named} vs ${against} (${signed(improvement)}, ` +
      `${beats ? 'at least' : 'less than'} the margin ${f(margin)}` +
      `${lower ? ', lower is better' : ''}); ` +
      `ECE ${f(challenger.ece)} vs ${f(champion.ece)}`,
  };
}

function f(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${f(Math.abs(value))}`;
}
