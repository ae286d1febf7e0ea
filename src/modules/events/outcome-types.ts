/** What an integration can report about a customer after a decision. */
export const OUTCOME_TYPES = [
  'delivered',
  'opened',
  'clicked',
  'converted',
  'unsubscribed',
  'bounced',
] as const;

export type OutcomeType = (typeof OUTCOME_TYPES)[number];

/** Outcomes after which no campaign may contact the customer again, with the reason recorded. */
export const SUPPRESSING_OUTCOMES: Readonly<
  Partial<Record<OutcomeType, 'unsubscribed' | 'bounced'>>
> = { unsubscribed: 'unsubscribed', bounced: 'bounced' };

export function isOutcomeType(value: unknown): value is OutcomeType {
  return typeof value === 'string' && (OUTCOME_TYPES as readonly string[]).includes(value);
}
