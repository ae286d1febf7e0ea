import { sha256Hex } from '../../common/sha256';

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
  // The first six bytes of the digest, as a whole number below 2^48.
  return parseInt(sha256Hex(`${campaignId}\u0000${customerKey}`).slice(0, 12), 16) / SCALE;
}

/** Whether the customer is in the campaign's holdout group of `share` (0 to 1) of customers. */
export function inHoldout(campaignId: string, customerKey: string, share: number): boolean {
  return share > 0 && holdoutDraw(campaignId, customerKey) < share;
}

/** `10%`, `2.5%`: the share as a reason shows it. */
export function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}
