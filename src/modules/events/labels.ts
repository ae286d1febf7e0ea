/**
 * The label view: each decision that contacted a customer (status `action`) or held them
 * out (`holdout`), with whether an outcome of the chosen type followed within the window.
 * Pure: the caller loads the rows and passes the time.
 *
 * An outcome counts for a decision when it happened in `[decidedAt, decidedAt + window)`:
 * at the very moment of the decision it counts, at exactly the window's end it no longer
 * does. An outcome that names a decision (given, or found from its delivery) counts for
 * that decision only; one that names none counts for every decision of the customer whose
 * window it falls in.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface LabelDecision {
  readonly id: string;
  readonly customerId: string;
  readonly runId: string | null;
  readonly status: 'action' | 'holdout';
  /** The rule that fired, or would have (holdout); null when none did. */
  readonly rule: string | null;
  readonly action: string | null;
  /** A holdout decision whose action a frequency cap would have held back. */
  readonly capped: boolean;
  /** Epoch milliseconds. */
  readonly decidedAt: number;
}

/** An outcome of the type that labels, as stored. */
export interface LabelOutcome {
  readonly customerId: string;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
  readonly decisionId: string | null;
}

export interface LabelledDecision extends LabelDecision {
  readonly converted: boolean;
  /** When the first counted outcome happened; null without one. */
  readonly convertedAt: number | null;
  /** The window is still running and nothing counted yet: the label may still turn 1. */
  readonly open: boolean;
}

export interface LabelWindow {
  readonly windowMs: number;
  /** Epoch milliseconds: decides which windows are still open. */
  readonly now: number;
}

export function labelDecisions(
  decisions: readonly LabelDecision[],
  outcomes: readonly LabelOutcome[],
  window: LabelWindow,
): LabelledDecision[] {
  const byCustomer = new Map<string, LabelOutcome[]>();
  for (const outcome of outcomes) {
    const list = byCustomer.get(outcome.customerId) ?? [];
    list.push(outcome);
    byCustomer.set(outcome.customerId, list);
  }
  for (const list of byCustomer.values()) {
    list.sort((a, b) => a.occurredAt - b.occurredAt);
  }

  return decisions.map((decision) => {
    const end = decision.decidedAt + window.windowMs;
    const list = byCustomer.get(decision.customerId) ?? [];
    let convertedAt: number | null = null;
    for (let i = firstAtOrAfter(list, decision.decidedAt); i < list.length; i++) {
      const outcome = list[i];
      if (outcome.occurredAt >= end) break;
      if (outcome.decisionId === null || outcome.decisionId === decision.id) {
        convertedAt = outcome.occurredAt;
        break;
      }
    }
    const converted = convertedAt !== null;

    return { ...decision, converted, convertedAt, open: !converted && window.now < end };
  });
}

/** Index of the first outcome at or after `time` in a time-sorted list. */
function firstAtOrAfter(list: readonly LabelOutcome[], time: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle].occurredAt < time) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }

  return low;
}

/**
 * One customer's exposure to a campaign: the decisions of one run (or one real-time
 * decision) for them. All its decisions share the holdout draw and the decision time.
 */
export interface Exposure {
  readonly customerId: string;
  readonly decisions: readonly LabelledDecision[];
  readonly treated: boolean;
  readonly decidedAt: number;
}

export function exposures(labelled: readonly LabelledDecision[]): Exposure[] {
  const byRun = new Map<string, Map<string, LabelledDecision[]>>();
  const groups: LabelledDecision[][] = [];
  for (const decision of labelled) {
    if (decision.runId === null) {
      groups.push([decision]);
      continue;
    }
    let run = byRun.get(decision.runId);
    if (!run) {
      run = new Map();
      byRun.set(decision.runId, run);
    }
    const list = run.get(decision.customerId);
    if (list) {
      list.push(decision);
    } else {
      const created = [decision];
      run.set(decision.customerId, created);
      groups.push(created);
    }
  }

  return groups.map((decisions) => ({
    customerId: decisions[0].customerId,
    decisions,
    treated: decisions.some((d) => d.status === 'action'),
    decidedAt: decisions[0].decidedAt,
  }));
}

/** Whether any of `decisions` counted an outcome. */
export function anyConverted(decisions: readonly LabelledDecision[]): boolean {
  return decisions.some((d) => d.converted);
}
