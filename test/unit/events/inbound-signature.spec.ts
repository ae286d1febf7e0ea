import { sign, signingKey, webhookHeaders } from '../../../src/modules/delivery/signing';
import { authenticate, SigningIntegration } from '../../../src/modules/events/inbound-signature';

// The Standard Webhooks test vector (also checked in test/unit/delivery/signing.spec.ts).
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = Buffer.from('{"test": 2432232314}');

const OTHER_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const ROTATED_SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64');

const shop: SigningIntegration = { id: 'int_shop', name: 'Shop', keys: [signingKey(OTHER_SECRET)] };
const mail: SigningIntegration = {
  id: 'int_mail',
  name: 'Mail',
  keys: [signingKey(ROTATED_SECRET), signingKey(SPEC_SECRET)],
};

function check(headers: Record<string, string>, nowSeconds = SPEC_TIMESTAMP, body = SPEC_BODY) {
  return authenticate({ headers, body, integrations: [shop, mail], nowSeconds });
}

const specHeaders = () =>
  webhookHeaders([signingKey(SPEC_SECRET)], {
    id: SPEC_ID,
    timestamp: SPEC_TIMESTAMP,
    body: SPEC_BODY,
  });

describe('authenticate', () => {
  it('finds the integration whose secret signed the spec test vector', () => {
    const headers = specHeaders();

    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(check(headers)).toEqual({ ok: true, integration: mail, webhookId: SPEC_ID });
  });

  it('accepts header names in any case and a signature list with an unknown one first', () => {
    const good = sign(signingKey(SPEC_SECRET), {
      id: SPEC_ID,
      timestamp: SPEC_TIMESTAMP,
      body: SPEC_BODY,
    });
    const result = check({
      'Webhook-Id': SPEC_ID,
      'WEBHOOK-TIMESTAMP': String(SPEC_TIMESTAMP),
      'webhook-signature': `v1,bm90IHRoaXMgb25l ${good}`,
    });

    expect(result.ok && result.integration.id).toBe('int_mail');
  });

  it('says signature_missing without the headers', () => {
    const { 'webhook-signature': _dropped, ...rest } = specHeaders();

    expect(check(rest)).toMatchObject({ ok: false, code: 'signature_missing' });
    expect(check({})).toMatchObject({ ok: false, code: 'signature_missing' });
  });

  it('says signature_invalid for a signature by no known secret, or over other bytes', () => {
    const forged = webhookHeaders([signingKey('whsec_' + Buffer.alloc(32, 1).toString('base64'))], {
      id: SPEC_ID,
      timestamp: SPEC_TIMESTAMP,
      body: SPEC_BODY,
    });

    expect(check(forged)).toMatchObject({ ok: false, code: 'signature_invalid' });
    expect(check(specHeaders(), SPEC_TIMESTAMP, Buffer.from('{"test":2432232314}'))).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
  });

  it('says signature_stale outside ±5 minutes, and accepts the edges', () => {
    const headers = specHeaders();

    expect(check(headers, SPEC_TIMESTAMP + 300).ok).toBe(true);
    expect(check(headers, SPEC_TIMESTAMP - 300).ok).toBe(true);
    expect(check(headers, SPEC_TIMESTAMP + 301)).toMatchObject({ code: 'signature_stale' });
    expect(check(headers, SPEC_TIMESTAMP - 301)).toMatchObject({ code: 'signature_stale' });
  });

  it('says signature_timestamp_invalid for a timestamp that is not unix seconds', () => {
    const headers = { ...specHeaders(), 'webhook-timestamp': '2021-02-21T10:22:10Z' };

    expect(check(headers)).toMatchObject({ ok: false, code: 'signature_timestamp_invalid' });
  });
});
