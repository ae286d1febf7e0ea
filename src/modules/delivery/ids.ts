import { randomBytes } from 'node:crypto';
import { timeOrderedBytes } from '../../common/ordered-ids';

/**
 * A delivery id, sent as `webhook-id`: `msg_` and 128 bits (base64url), the time in
 * milliseconds then 80 random bits, so that a run's messages land together in the outbox's
 * primary-key index instead of all over it.
 */
export function newDeliveryId(): string {
  return `msg_${timeOrderedBytes().toString('base64url')}`;
}

export function newEndpointId(): string {
  return `ep_${randomBytes(12).toString('base64url')}`;
}
