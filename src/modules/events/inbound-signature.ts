import { DEFAULT_TOLERANCE_SECONDS, verify, VerifyFailure } from '../delivery/signing';

/**
 * Who signed an inbound request. Integrations sign with the Standard Webhooks scheme that
 * Bullseye's own messages use (`signing.ts`): `webhook-id`, `webhook-timestamp` (unix
 * seconds, within ±5 minutes of our clock) and `webhook-signature` over the exact body. The
 * request names no integration: the one whose secret matches is the sender.
 */

export interface SigningIntegration {
  readonly id: string;
  readonly name: string;
  /** Keys of the secrets accepted now, the current one first. */
  readonly keys: Buffer[];
}

/** The 401 codes of the events API. */
export type SignatureProblem =
  'signature_missing' | 'signature_timestamp_invalid' | 'signature_stale' | 'signature_invalid';

export type Authentication =
  | { readonly ok: true; readonly integration: SigningIntegration; readonly webhookId: string }
  | { readonly ok: false; readonly code: SignatureProblem; readonly message: string };

const MESSAGES: Record<VerifyFailure, { code: SignatureProblem; message: string }> = {
  missing_headers: {
    code: 'signature_missing',
    message:
      'Sign the request: send webhook-id, webhook-timestamp and webhook-signature headers ' +
      '(Standard Webhooks) made with the secret of your integration.',
  },
  invalid_timestamp: {
    code: 'signature_timestamp_invalid',
    message: 'webhook-timestamp must be the unix time in whole seconds.',
  },
  timestamp_too_old: {
    code: 'signature_stale',
    message:
      `webhook-timestamp is more than ${DEFAULT_TOLERANCE_SECONDS} s in the past; ` +
      'sign each request when you send it (and check your clock).',
  },
  timestamp_too_new: {
    code: 'signature_stale',
    message: `webhook-timestamp is more than ${DEFAULT_TOLERANCE_SECONDS} s in the future; check your clock.`,
  },
  no_matching_signature: {
    code: 'signature_invalid',
    message:
      'webhook-signature matches no integration secret: sign "<webhook-id>.<webhook-timestamp>.<body>" ' +
      'with HMAC-SHA256 under the secret of your integration, over the exact bytes of the JSON body ' +
      '(before any Content-Encoding).',
  },
};

export function authenticate(args: {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly integrations: readonly SigningIntegration[];
  readonly nowSeconds: number;
}): Authentication {
  // The headers and the timestamp do not depend on the key: checked once, before any key.
  const first = verify({ ...args, keys: [] });
  if (!first.ok && first.reason !== 'no_matching_signature') {
    return { ok: false, ...MESSAGES[first.reason] };
  }

  for (const integration of args.integrations) {
    if (verify({ ...args, keys: integration.keys }).ok) {
      return { ok: true, integration, webhookId: webhookId(args.headers) };
    }
  }

  return { ok: false, ...MESSAGES.no_matching_signature };
}

function webhookId(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'webhook-id') as string;
  const value = headers[key];

  return Array.isArray(value) ? value[0] : (value as string);
}
