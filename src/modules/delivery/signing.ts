import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as the Standard Webhooks specification defines them: the signed content
 * is `<webhook-id>.<webhook-timestamp>.<body>`, the key is the base64-decoded part of a
 * `whsec_` secret, and `webhook-signature` lists one `v1,<base64 HMAC-SHA256>` per secret
 * in use, separated by spaces (two while a rotated secret is still valid).
 */

export const SECRET_PREFIX = 'whsec_';

/** The spec asks for keys of 24 to 64 bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** Receivers refuse messages whose timestamp is further than this from their clock. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface SignedContent {
  /** The `webhook-id`: the delivery id, the same on every attempt. */
  readonly id: string;
  /** The `webhook-timestamp`: unix seconds of this attempt. */
  readonly timestamp: number;
  /** The exact request body. */
  readonly body: string | Buffer;
}

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new secret: `whsec_` and the base64 of `byteLength` random bytes. */
export function generateSecret(byteLength = 32): string {
  return SECRET_PREFIX + randomBytes(byteLength).toString('base64');
}

/** Why `secret` is not a usable signing secret, or `null` when it is. */
export function secretProblem(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) {
    return `must start with "${SECRET_PREFIX}"`;
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
    return `must be "${SECRET_PREFIX}" followed by standard base64`;
  }
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `must encode ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes (it encodes ${bytes})`;
  }

  return null;
}

/** The HMAC key of a `whsec_` secret; throws on a malformed secret. */
export function signingKey(secret: string): Buffer {
  const problem = secretProblem(secret);
  if (problem) {
    throw new Error(`Invalid webhook secret: it ${problem}.`);
  }

  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** One `v1,<base64>` signature of `content` with `key`. */
export function sign(key: Buffer, content: SignedContent): string {
  const digest = createHmac('sha256', key)
    .update(`${content.id}.${content.timestamp}.`)
    .update(content.body)
    .digest('base64');

  return `v1,${digest}`;
}

/** The three headers of a signed message, one signature per key. */
export function webhookHeaders(keys: readonly Buffer[], content: SignedContent): WebhookHeaders {
  if (keys.length === 0) {
    throw new Error('A webhook needs at least one signing key.');
  }

  return {
    'webhook-id': content.id,
    'webhook-timestamp': String(content.timestamp),
    'webhook-signature': keys.map((key) => sign(key, content)).join(' '),
  };
}

export type VerifyFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  /** Request headers; names are matched case-insensitively. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string | Buffer;
  /** Keys any of which may have signed (e.g. the current and the previous secret). */
  readonly keys: readonly Buffer[];
  /** The receiver's clock, unix seconds. */
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}

/** Checks a received message: its timestamp within the tolerance and one matching signature. */
export function verify(input: VerifyInput): VerifyResult {
  const id = header(input.headers, 'webhook-id');
  const timestampText = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    return { ok: false, reason: 'missing_headers' };
  }

  if (!/^\d+$/.test(timestampText)) {
    return { ok: false, reason: 'invalid_timestamp' };
  }
  const timestamp = Number(timestampText);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (input.nowSeconds - timestamp > tolerance) {
    return { ok: false, reason: 'timestamp_too_old' };
  }
  if (timestamp - input.nowSeconds > tolerance) {
    return { ok: false, reason: 'timestamp_too_new' };
  }

  const given = signatures.split(' ').map((part) => Buffer.from(part));
  const content = { id, timestamp, body: input.body };
  const matches = input.keys.some((key) => {
    const expected = Buffer.from(sign(key, content));

    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });

  return matches ? { ok: true } : { ok: false, reason: 'no_matching_signature' };
}

function header(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];

  return Array.isArray(value) ? value[0] : value;
}
