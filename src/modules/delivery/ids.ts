import { randomBytes } from 'node:crypto';

/** A delivery id, sent as `webhook-id`: `msg_` and 128 random bits (base64url). */
export function newDeliveryId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

export function newEndpointId(): string {
  return `ep_${randomBytes(12).toString('base64url')}`;
}
