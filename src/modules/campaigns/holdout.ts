import { createHash } from 'node:crypto';

/**
 * The holdout group: customers a campaign deliberately leaves alone, to measure its lift.
 * Membership is a pure function of the campaign and the customer, so it is the same in every
 * run, simulation and real-time decision, and a customer never moves in or out of it while
 * the share stays the same. Raising the share only adds customers to the group.
 */

/** 2^48: the first six bytes of the hash make the draw. */
const SCALE = 2 ** 48;

/** A uniform draw in [0, 1) from SHA-256 of the campaign id and the customer's key. */
export function holdoutDraw(campaignId: string, customerKey: string): number {
  const digest = createHash('sha256').update(`${campaignId}\u0000${customerKey}`).digest();

  return digest.readUIntBE(0, 6) / SCALE;
}

/** Whether the customer is in the campaign's holdout group of `share` (0 to 1) of customers. */
export function inHoldout(campaignId: string, customerKey: string, share: number): boolean {
  return share > 0 && holdoutDraw(campaignId, customerKey) < share;
}

/** `10%`, `2.5%`: the share as a reason shows it. */
export function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}
