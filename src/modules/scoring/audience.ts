import { ErrorDetail, UserError } from '../../common/errors';
import { compileRules, validateRules } from '../campaigns/rules';
import { isBuiltInFact } from '../campaigns/rules/rule-facts';
import type { BooleanCondition, CampaignRule, FactType } from '../campaigns/rules/rule-types';
import type { CustomerAttributes } from '../datasets/dataset-schema';

/**
 * An audience narrows a scoring run to the customers that match json-rules-engine
 * `conditions` over their attributes. It is checked and evaluated as one campaign rule
 * whose firing means "in the audience", so it accepts and decides exactly what a rule does.
 * It is chosen before anyone is scored, so it cannot read scores or contact history.
 */

export type AudienceFilter = (attributes: CustomerAttributes) => boolean;

const AT = '$.audience';
const RULE_AT = '$[0].conditions';

function asRule(conditions: unknown): CampaignRule {
  return {
    name: 'audience',
    conditions: conditions as BooleanCondition,
    event: { type: 'email' },
  };
}

/** Moves a rule error's JSON path (and the path its message names) under `$.audience`. */
function rebase(text: string): string {
  return text
    .split(RULE_AT)
    .join(AT)
    .replace(/^\$\[0\]/, AT);
}

/** Every fact an audience names, with the JSON path of the condition that names it. */
function namedFacts(condition: unknown, at: string, found: { fact: string; at: string }[]): void {
  if (condition === null || typeof condition !== 'object') {
    return;
  }
  const node = condition as Record<string, unknown>;
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(node[key])) {
      (node[key] as unknown[]).forEach((child, i) =>
        namedFacts(child, `${at}.${key}[${i}]`, found),
      );
    }
  }
  if (node.not !== undefined) {
    namedFacts(node.not, `${at}.not`, found);
  }
  if (typeof node.fact === 'string') {
    found.push({ fact: node.fact, at: `${at}.fact` });
  }
  const value = node.value as Record<string, unknown> | null | undefined;
  if (value && typeof value === 'object' && typeof value.fact === 'string') {
    found.push({ fact: value.fact, at: `${at}.value.fact` });
  }
}

/**
 * Checks an audience against the customer attributes it may read (`facts`, by name).
 *
 * @throws UserError `audience_invalid` with one detail per problem, each at its JSON path
 *   under `$.audience`.
 */
export function validateAudience(
  audience: unknown,
  facts: Readonly<Record<string, FactType>>,
): BooleanCondition {
  const details: ErrorDetail[] = [];
  const result = validateRules([asRule(audience)], { facts });
  if (!result.ok) {
    for (const error of result.errors) {
      details.push({ path: rebase(error.path), code: error.code, message: rebase(error.message) });
    }
  }

  const named: { fact: string; at: string }[] = [];
  namedFacts(audience, AT, named);
  for (const { fact, at } of named.filter((n) => isBuiltInFact(n.fact))) {
    details.push({
      path: at,
      code: 'audience_fact_unavailable',
      message:
        `${at}: "${fact}" is not known before scoring; an audience filters on customer ` +
        'attributes only (filter on scores in the campaign rules)',
    });
  }

  if (details.length > 0) {
    const shown = details.slice(0, 3).map((d) => d.message);
    const more = details.length > 3 ? `; and ${details.length - 3} more` : '';
    throw new UserError(
      'audience_invalid',
      `The audience is invalid: ${shown.join('; ')}${more}.`,
      400,
      details,
    );
  }

  return structuredClone(audience) as BooleanCondition;
}

/**
 * Compiles a validated audience into a test of one customer's attributes.
 *
 * @throws UserError `audience_evaluation_failed` (422) from the test, where
 *   json-rules-engine would reject the customer's evaluation (e.g. `in` against a fact
 *   that holds no list).
 */
export function compileAudience(audience: BooleanCondition): AudienceFilter {
  const rules = compileRules([asRule(audience)]);

  return (attributes) => {
    try {
      return rules.evaluate(attributes).length > 0;
    } catch (error) {
      throw new UserError(
        'audience_evaluation_failed',
        `The audience could not be evaluated for a customer: ${(error as Error).message}`,
        422,
      );
    }
  };
}
