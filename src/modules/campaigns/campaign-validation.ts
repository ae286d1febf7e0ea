/**
 * Checks a campaign definition before it is stored: every problem is reported at once, each
 * with the JSON path of the offending part (`$.holdoutShare`, `$.rules[2].conditions.all[0]`,
 * `$.frequencyCaps[1].max`), so a person can fix the file or request in one go.
 */
import { ErrorDetail, UserError } from '../../common/errors';
import { validateAudience } from '../scoring/audience';
import {
  ACTION_TYPES,
  ActionType,
  BooleanCondition,
  CampaignRule,
  FactType,
  validateRules,
} from './rules';

/** A frequency cap counts the actions of one channel, or of `any`, across all campaigns. */
export type CapAction = ActionType | 'any';

export const CAP_ACTIONS: readonly CapAction[] = [...ACTION_TYPES, 'any'];

/** At most `max` actions of `action` reach a customer within `windowDays`. */
export interface FrequencyCap {
  readonly action: CapAction;
  readonly max: number;
  readonly windowDays: number;
}

/**
 * How the rules that fired for one customer become actions: `one_per_customer` keeps the
 * highest-priority rule only; `one_per_action` keeps the highest-priority rule per action.
 */
export type Arbitration = 'one_per_customer' | 'one_per_action';

export const ARBITRATIONS: readonly Arbitration[] = ['one_per_customer', 'one_per_action'];

export const CAMPAIGN_LIMITS = {
  nameLength: 100,
  descriptionLength: 2000,
  holdoutShare: 0.5,
  frequencyCaps: 20,
  /** Ten years. */
  windowDays: 3650,
} as const;

export const DEFAULT_HOLDOUT_SHARE = 0.1;
export const DEFAULT_ARBITRATION: Arbitration = 'one_per_customer';

/** A checked campaign definition, defaults filled in and dates in ISO 8601 UTC. */
export interface CampaignDefinition {
  readonly name: string;
  readonly description: string | null;
  readonly modelName: string;
  readonly audience: BooleanCondition | null;
  readonly rules: CampaignRule[];
  readonly holdoutShare: number;
  readonly frequencyCaps: FrequencyCap[];
  readonly arbitration: Arbitration;
  readonly startsAt: string | null;
  readonly endsAt: string | null;
}

export const DEFINITION_KEYS: readonly (keyof CampaignDefinition)[] = [
  'name',
  'description',
  'modelName',
  'audience',
  'rules',
  'holdoutShare',
  'frequencyCaps',
  'arbitration',
  'startsAt',
  'endsAt',
];

export interface CampaignContext {
  /**
   * The customer attributes the rules and the audience may read, by name; null when the
   * model is unknown, and then rules and audience are not checked against facts at all.
   */
  readonly facts: Readonly<Record<string, FactType>> | null;
}

export type CampaignValidation =
  { ok: true; definition: CampaignDefinition } | { ok: false; errors: ErrorDetail[] };

const CAP_KEYS = new Set(['action', 'max', 'windowDays']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Validates a submitted definition (parsed JSON): see the module comment. */
export function validateCampaign(input: unknown, context: CampaignContext): CampaignValidation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ path: '$', code: 'campaign_not_object', message: 'a campaign is a JSON object' }],
    };
  }
  const fields = input as Record<string, unknown>;
  const errors: ErrorDetail[] = [];
  const report = (path: string, code: string, message: string) =>
    errors.push({ path, code, message });

  for (const key of Object.keys(fields).filter((k) => !isDefinitionKey(k))) {
    report(`$.${key}`, 'key_unknown', `unknown key; a campaign has ${DEFINITION_KEYS.join(', ')}`);
  }
  const name = checkName(fields.name, report);
  const description = checkDescription(fields.description, report);
  const modelName = checkModelName(fields.modelName, report);
  const holdoutShare = checkHoldoutShare(fields.holdoutShare, report);
  const frequencyCaps = checkFrequencyCaps(fields.frequencyCaps, report);
  const arbitration = checkArbitration(fields.arbitration, report);
  const startsAt = checkTime(fields.startsAt, '$.startsAt', report);
  const endsAt = checkTime(fields.endsAt, '$.endsAt', report);
  if (startsAt && endsAt && endsAt <= startsAt) {
    report('$.endsAt', 'campaign_dates_invalid', `must be after startsAt (${startsAt})`);
  }

  let rules: CampaignRule[] = [];
  let audience: BooleanCondition | null = null;
  if (context.facts !== null) {
    const checkedRules = checkRules(fields.rules ?? [], context.facts, '$.rules');
    errors.push(...checkedRules.errors);
    rules = checkedRules.rules;
    const checkedAudience = checkAudience(fields.audience ?? null, context.facts);
    errors.push(...checkedAudience.errors);
    audience = checkedAudience.audience;
  }

  if (errors.length > 0) {
    return { ok: false, errors };
  }

  return {
    ok: true,
    definition: {
      name: name as string,
      description,
      modelName: modelName as string,
      audience,
      rules,
      holdoutShare,
      frequencyCaps,
      arbitration,
      startsAt,
      endsAt,
    },
  };
}

/**
 * Checks rules against the facts a campaign offers, with paths under `at` (`$.rules` in a
 * campaign or a rules document, `$` for a bare array of rules).
 */
export function checkRules(
  rules: unknown,
  facts: Readonly<Record<string, FactType>>,
  at: string,
): { rules: CampaignRule[]; errors: ErrorDetail[] } {
  const result = validateRules(rules, { facts });
  if (result.ok) {
    return { rules: result.rules, errors: [] };
  }

  return {
    rules: [],
    errors: result.errors.map((error) => {
      const path = rebase(error.path, at);

      return { path, code: error.code, message: withoutPath(rebase(error.message, at), path) };
    }),
  };
}

/** Checks an audience (null for every customer); its paths are under `$.audience`. */
export function checkAudience(
  audience: unknown,
  facts: Readonly<Record<string, FactType>>,
): { audience: BooleanCondition | null; errors: ErrorDetail[] } {
  if (audience === null) {
    return { audience: null, errors: [] };
  }
  try {
    return { audience: validateAudience(audience, facts), errors: [] };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;

    return {
      audience: null,
      errors: error.details.map((detail) => ({
        ...detail,
        message: withoutPath(detail.message, detail.path),
      })),
    };
  }
}

/**
 * The 400 for a definition or rules that failed validation. Each detail has its path and a
 * message without it; the error's message lists the first three as `path: message`.
 */
export function campaignInvalid(
  errors: readonly ErrorDetail[],
  code = 'campaign_invalid',
): UserError {
  const shown = errors
    .slice(0, 3)
    .map((error) => (error.path ? `${error.path}: ${error.message}` : error.message))
    .join('; ');
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
  const what = code === 'rules_invalid' ? 'The campaign rules are' : 'The campaign is';

  return new UserError(code, `${what} invalid: ${shown}${more}.`, 400, [...errors]);
}

/** Moves the paths of `validateRules` (rooted at `$`, the rules array) under `at`. */
function rebase(text: string, at: string): string {
  if (at === '$') {
    return text;
  }

  return text
    .replace(/^\$(?=[[:]|$)/, at)
    .split(' $[')
    .join(` ${at}[`);
}

/** A message as the rules module words it, `path: text`, without the path it starts with. */
function withoutPath(message: string, path: string | undefined): string {
  return path !== undefined && message.startsWith(`${path}: `)
    ? message.slice(path.length + 2)
    : message;
}

type Report = (path: string, code: string, message: string) => void;

function isDefinitionKey(key: string): key is keyof CampaignDefinition {
  return (DEFINITION_KEYS as readonly string[]).includes(key);
}

function checkName(name: unknown, report: Report): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') {
    report('$.name', 'campaign_name_invalid', 'every campaign needs a name (non-empty text)');

    return undefined;
  }
  if (name.trim().length > CAMPAIGN_LIMITS.nameLength) {
    report(
      '$.name',
      'campaign_name_invalid',
      `must be at most ${CAMPAIGN_LIMITS.nameLength} characters, not ${name.trim().length}`,
    );

    return undefined;
  }

  return name.trim();
}

function checkDescription(description: unknown, report: Report): string | null {
  if (description === undefined || description === null) {
    return null;
  }
  if (typeof description !== 'string' || description.length > CAMPAIGN_LIMITS.descriptionLength) {
    report(
      '$.description',
      'campaign_description_invalid',
      `must be text of at most ${CAMPAIGN_LIMITS.descriptionLength} characters`,
    );

    return null;
  }

  return description;
}

function checkModelName(modelName: unknown, report: Report): string | undefined {
  if (typeof modelName !== 'string' || modelName === '') {
    report('$.modelName', 'campaign_model_missing', 'name the model whose scores the rules read');

    return undefined;
  }

  return modelName;
}

function checkHoldoutShare(share: unknown, report: Report): number {
  if (share === undefined || share === null) {
    return DEFAULT_HOLDOUT_SHARE;
  }
  if (typeof share !== 'number' || !(share >= 0 && share <= CAMPAIGN_LIMITS.holdoutShare)) {
    report(
      '$.holdoutShare',
      'holdout_share_invalid',
      `must be a share from 0 to ${CAMPAIGN_LIMITS.holdoutShare} (e.g. 0.1 keeps 10% as the ` +
        `control group), not ${JSON.stringify(share)}`,
    );

    return DEFAULT_HOLDOUT_SHARE;
  }

  return share;
}

function checkFrequencyCaps(caps: unknown, report: Report): FrequencyCap[] {
  if (caps === undefined || caps === null) {
    return [];
  }
  if (!Array.isArray(caps)) {
    report(
      '$.frequencyCaps',
      'frequency_caps_invalid',
      'must be an array such as [{ "action": "email", "max": 2, "windowDays": 7 }]',
    );

    return [];
  }
  if (caps.length > CAMPAIGN_LIMITS.frequencyCaps) {
    report(
      '$.frequencyCaps',
      'frequency_caps_invalid',
      `at most ${CAMPAIGN_LIMITS.frequencyCaps} caps, not ${caps.length}`,
    );

    return [];
  }

  return caps.flatMap((cap, index) => {
    const checked = checkFrequencyCap(cap, `$.frequencyCaps[${index}]`, report);

    return checked ? [checked] : [];
  });
}

function checkFrequencyCap(cap: unknown, at: string, report: Report): FrequencyCap | undefined {
  if (cap === null || typeof cap !== 'object' || Array.isArray(cap)) {
    report(at, 'frequency_cap_invalid', 'a cap is an object with action, max and windowDays');

    return undefined;
  }
  const fields = cap as Record<string, unknown>;
  let ok = true;
  const fail = (path: string, message: string) => {
    ok = false;
    report(path, 'frequency_cap_invalid', message);
  };

  for (const key of Object.keys(fields).filter((k) => !CAP_KEYS.has(k))) {
    fail(`${at}.${key}`, 'unknown key; a cap has action, max and windowDays');
  }
  if (!CAP_ACTIONS.includes(fields.action as CapAction)) {
    fail(`${at}.action`, `must be one of ${CAP_ACTIONS.join(', ')}`);
  }
  const max = fields.max;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    fail(
      `${at}.max`,
      `must be a positive integer (actions allowed in the window), not ${show(max)}`,
    );
  }
  const days = fields.windowDays;
  if (typeof days !== 'number' || !(days > 0 && days <= CAMPAIGN_LIMITS.windowDays)) {
    fail(
      `${at}.windowDays`,
      `must be a positive number of days up to ${CAMPAIGN_LIMITS.windowDays}, not ${show(days)}`,
    );
  }

  return ok
    ? { action: fields.action as CapAction, max: max as number, windowDays: days as number }
    : undefined;
}

function checkArbitration(arbitration: unknown, report: Report): Arbitration {
  if (arbitration === undefined || arbitration === null) {
    return DEFAULT_ARBITRATION;
  }
  if (!ARBITRATIONS.includes(arbitration as Arbitration)) {
    report(
      '$.arbitration',
      'arbitration_invalid',
      `must be ${ARBITRATIONS.join(' or ')}, not ${show(arbitration)}`,
    );

    return DEFAULT_ARBITRATION;
  }

  return arbitration as Arbitration;
}

/** An ISO 8601 date or time, as UTC text; null when absent. */
function checkTime(value: unknown, at: string, report: Report): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  const time = typeof value === 'string' && ISO_TIME.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(time) || time < 0 || time > Date.UTC(9999, 11, 31)) {
    report(
      at,
      'campaign_date_invalid',
      `must be an ISO 8601 date or time such as "2026-03-01" or "2026-03-01T09:00:00Z", ` +
        `not ${show(value)}`,
    );

    return null;
  }

  return new Date(time).toISOString();
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}
