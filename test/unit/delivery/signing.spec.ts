import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  generateSecret,
  secretProblem,
  sign,
  signingKey,
  verify,
  webhookHeaders,
} from '../../../src/modules/delivery/signing';

/** The test vector of the Standard Webhooks specification. */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function message(body = '{"type":"action.email","data":{"customerId":"c-1"}}') {
  return { id: `msg_${randomBytes(8).toString('hex')}`, timestamp: nowSeconds(), body };
}

describe('webhook signing', () => {
  it('reproduces the signature of the specification’s test vector', () => {
    const key = signingKey(VECTOR.secret);

    expect(key).toHaveLength(24);
    expect(sign(key, VECTOR)).toBe(VECTOR.signature);
    expect(webhookHeaders([key], VECTOR)).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
  });

  it('verifies the test vector at its own time and refuses it five minutes and a second later', () => {
    const headers = {
      'Webhook-Id': VECTOR.id,
      'Webhook-Timestamp': String(VECTOR.timestamp),
      'Webhook-Signature': VECTOR.signature,
    };
    const keys = [signingKey(VECTOR.secret)];

    expect(verify({ headers, body: VECTOR.body, keys, nowSeconds: VECTOR.timestamp })).toEqual({
      ok: true,
    });
    expect(
      verify({ headers, body: VECTOR.body, keys, nowSeconds: VECTOR.timestamp + 300 }).ok,
    ).toBe(true);
    expect(
      verify({ headers, body: VECTOR.body, keys, nowSeconds: VECTOR.timestamp + 301 }),
    ).toEqual({ ok: false, reason: 'timestamp_too_old' });
    expect(
      verify({ headers, body: VECTOR.body, keys, nowSeconds: VECTOR.timestamp - 301 }),
    ).toEqual({ ok: false, reason: 'timestamp_too_new' });
  });

  it('produces headers that the standardwebhooks package verifies', () => {
    const secret = generateSecret();
    const content = message();
    const headers = webhookHeaders([signingKey(secret)], content);

    const payload = new Webhook(secret).verify(content.body, { ...headers });

    expect(payload).toEqual(JSON.parse(content.body));
  });

  it('accepts what the standardwebhooks package signs', () => {
    const secret = generateSecret(24);
    const content = message('{"n":1}');
    const signature = new Webhook(secret).sign(
      content.id,
      new Date(content.timestamp * 1000),
      content.body,
    );
    const headers = {
      'webhook-id': content.id,
      'webhook-timestamp': String(content.timestamp),
      'webhook-signature': signature,
    };

    expect(
      verify({ headers, body: content.body, keys: [signingKey(secret)], nowSeconds: nowSeconds() }),
    ).toEqual({ ok: true });
  });

  it('during a rotation signs with both secrets, each of which verifies alone', () => {
    const previous = generateSecret();
    const current = generateSecret();
    const content = message();
    const headers = webhookHeaders([signingKey(current), signingKey(previous)], content);
    const signatures = headers['webhook-signature'].split(' ');

    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(() => new Webhook(previous).verify(content.body, { ...headers })).not.toThrow();
    expect(() => new Webhook(current).verify(content.body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(content.body, { ...headers })).toThrow(
      'No matching signature found',
    );
  });

  it('refuses a changed body, a changed id and missing headers', () => {
    const key = signingKey(generateSecret());
    const content = message('{"amount":10}');
    const headers = webhookHeaders([key], content);
    const now = nowSeconds();

    expect(verify({ headers, body: '{"amount":99}', keys: [key], nowSeconds: now })).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(
      verify({
        headers: { ...headers, 'webhook-id': 'msg_other' },
        body: content.body,
        keys: [key],
        nowSeconds: now,
      }).ok,
    ).toBe(false);
    expect(
      verify({
        headers: { 'webhook-id': content.id },
        body: content.body,
        keys: [key],
        nowSeconds: now,
      }),
    ).toEqual({ ok: false, reason: 'missing_headers' });
    expect(
      verify({ headers, body: content.body, keys: [signingKey(generateSecret())], nowSeconds: now })
        .ok,
    ).toBe(false);
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    const b = generateSecret();

    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(secretProblem(a)).toBeNull();
  });

  it('says what is wrong with an unusable secret', () => {
    expect(secretProblem('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe('must start with "whsec_"');
    expect(secretProblem('whsec_not base64!')).toContain('base64');
    expect(secretProblem(`whsec_${randomBytes(16).toString('base64')}`)).toContain('it encodes 16');
    expect(secretProblem(`whsec_${randomBytes(65).toString('base64')}`)).toContain('it encodes 65');
    expect(() => signingKey('whsec_')).toThrow('Invalid webhook secret');
  });
});
