import { randomUUID } from 'node:crypto';
import type { ErrorDetail } from '../../common/errors';
import type { CampaignView } from '../campaigns/campaign.entity';
import type { CampaignRunEntity } from '../campaigns/campaign-run.entity';
import type { NewContact } from '../campaigns/contact-history';
import { emptyCounts, NO_ACTION_SLOT } from '../campaigns/decision-core';
import type { DecisionEntity } from '../campaigns/decision.entity';
import { ACTION_TYPES, ActionType } from '../campaigns/rules';
import { ISO_DATE_TIME } from './event-validation';

/**
 * Decisions of a campaign made outside Bullseye, recorded after the fact (a randomised test
 * run by hand, or campaigns from before Bullseye), so that their outcomes label them and the
 * lift report covers them. They become one succeeded campaign run, with `source` `run`.
 * No model scored them: they carry model version 0 (id `history`), score 0 and decile 0.
 */

export interface HistoricalDecision {
  readonly customerId: string;
  /** Held out on purpose: nothing was sent. */
  readonly holdout: boolean;
  /** The rule that chose the action, or would have (holdout); null when not known. */
  readonly rule?: string | null;
  /** The action sent; for a held-out customer, the one that would have been (or null). */
  readonly action?: ActionType | null;
  /** ISO 8601; default: the `decidedAt` of the whole history. */
  readonly decidedAt?: string;
}

export interface HistoryInput {
  /** Names the recorded test; unique per campaign, like a run key. */
  readonly runKey: string;
  /** ISO 8601: when the decisions were made (e.g. the day the e-mails went out). */
  readonly decidedAt: string;
  readonly decisions: readonly HistoricalDecision[];
}

/** The model version historical decisions name. */
export const HISTORY_MODEL_VERSION_ID = 'history';

export interface HistoryRecords {
  readonly run: CampaignRunEntity;
  readonly decisions: DecisionEntity[];
  readonly contacts: NewContact[];
}

const RUN_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const ACTIONS: readonly string[] = ACTION_TYPES;

/** What is wrong with `input`, each at its JSON path; empty when it can be recorded. */
export function historyProblems(input: HistoryInput): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (typeof input.runKey !== 'string' || !RUN_KEY.test(input.runKey)) {
    problems.push({ path: '$.runKey', message: 'must match ^[A-Za-z0-9._:-]{1,128}$' });
  }
  if (!isTime(input.decidedAt)) {
    problems.push({ path: '$.decidedAt', message: 'must be an ISO 8601 time with a time zone' });
  }
  if (!Array.isArray(input.decisions) || input.decisions.length === 0) {
    problems.push({ path: '$.decisions', message: 'must list at least one decision' });

    return problems;
  }

  const slots = new Map<string, number>();
  input.decisions.forEach((decision, i) => {
    const path = `$.decisions[${i}]`;
    if (typeof decision.customerId !== 'string' || decision.customerId === '') {
      problems.push({ path: `${path}.customerId`, message: 'is required' });
    }
    const action = decision.action ?? null;
    if (action !== null && !ACTIONS.includes(action)) {
      problems.push({ path: `${path}.action`, message: `must be one of ${ACTIONS.join(', ')}` });
    }
    if (!decision.holdout && action === null) {
      problems.push({ path: `${path}.action`, message: 'is required for a contacted customer' });
    }
    if (decision.decidedAt !== undefined && !isTime(decision.decidedAt)) {
      problems.push({
        path: `${path}.decidedAt`,
        message: 'must be an ISO 8601 time with a time zone',
      });
    }
    const key = `${decision.customerId}\u0000${action ?? NO_ACTION_SLOT}`;
    const seen = slots.get(key);
    if (seen !== undefined) {
      problems.push({
        path,
        message: `repeats the customer and action of $.decisions[${seen}]`,
      });
    } else {
      slots.set(key, i);
    }
  });

  return problems;
}

/** The run, decisions and contacts that record `input` (checked) for `campaign` at `now`. */
export function historyRecords(
  campaign: CampaignView,
  input: HistoryInput,
  now: Date,
): HistoryRecords {
  const runId = randomUUID();
  const counts = emptyCounts(campaign.rules.map((rule) => rule.name));
  const priorities = new Map(campaign.rules.map((rule) => [rule.name, rule.priority ?? 1]));
  const customers = { all: new Set<string>(), holdout: new Set<string>(), sent: new Set<string>() };
  const decisions: DecisionEntity[] = [];
  const contacts: NewContact[] = [];
  for (const item of input.decisions) {
    const action = item.action ?? null;
    const rule = item.rule ?? null;
    const decidedAt = new Date(item.decidedAt ?? input.decidedAt).toISOString();
    const id = randomUUID();
    decisions.push({
      id,
      runId,
      campaignId: campaign.id,
      campaignRevision: campaign.revision,
      customerId: item.customerId,
      slot: action ?? NO_ACTION_SLOT,
      source: 'run',
      status: item.holdout ? 'holdout' : 'action',
      modelName: campaign.modelName,
      modelVersion: 0,
      modelVersionId: HISTORY_MODEL_VERSION_ID,
      score: 0,
      decile: 0,
      rule,
      rulePriority: rule === null ? null : (priorities.get(rule) ?? null),
      action,
      params: null,
      holdout: item.holdout,
      reason: reasonOf(input.runKey, item.holdout, action, rule),
      caps: null,
      explanation: null,
      decidedAt,
    });
    customers.all.add(item.customerId);
    if (item.holdout) {
      customers.holdout.add(item.customerId);
      continue;
    }
    customers.sent.add(item.customerId);
    counts.actions++;
    counts.byAction[action as string] = (counts.byAction[action as string] ?? 0) + 1;
    if (rule !== null) counts.byRule[rule] = (counts.byRule[rule] ?? 0) + 1;
    contacts.push({
      decisionId: id,
      customerId: item.customerId,
      action: action as ActionType,
      campaignId: campaign.id,
      at: decidedAt,
    });
  }
  counts.customers = customers.all.size;
  counts.holdout = customers.holdout.size;
  counts.actioned = customers.sent.size;
  counts.decisions = decisions.length;

  const at = now.toISOString();
  const run: CampaignRunEntity = {
    id: runId,
    campaignId: campaign.id,
    runKey: input.runKey,
    status: 'succeeded',
    campaignRevision: campaign.revision,
    campaign: {
      rules: campaign.rules,
      audience: campaign.audience,
      holdoutShare: campaign.holdoutShare,
      frequencyCaps: campaign.frequencyCaps,
      arbitration: campaign.arbitration,
    },
    modelName: campaign.modelName,
    modelVersion: 0,
    modelVersionId: HISTORY_MODEL_VERSION_ID,
    batchSize: Math.max(1, decisions.length),
    customersTotal: customers.all.size,
    lastCustomerId: null,
    batches: 1,
    counts,
    deliveries: 0,
    resumes: 0,
    activeMs: 0,
    error: null,
    startedAt: new Date(input.decidedAt).toISOString(),
    updatedAt: at,
    finishedAt: at,
  };

  return { run, decisions, contacts };
}

function reasonOf(
  runKey: string,
  holdout: boolean,
  action: ActionType | null,
  rule: string | null,
): string {
  const by = rule === null ? '' : ` by rule "${rule}"`;
  const what = holdout
    ? `held out, nothing sent${action === null ? '' : ` (would have sent ${action}${by})`}`
    : `sent ${action}${by}`;

  return `recorded from history "${runKey}": ${what}`;
}

function isTime(value: unknown): boolean {
  return typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}
