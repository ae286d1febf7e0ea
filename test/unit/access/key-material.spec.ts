import {
  displayPrefix,
  generateKey,
  hashKey,
  looksLikeKey,
  presentedKey,
} from '../../../src/modules/access/key-material';

describe('API key material', () => {
  it('makes keys of 256 random bits behind a recognisable marker, all different', () => {
    const keys = Array.from({ length: 200 }, () => generateKey());

    expect(new Set(keys).size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^bsk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
      expect(looksLikeKey(key)).toBe(true);
    }
  });

  it('keeps the SHA-256 of a key, hex, and shows only its first 12 characters', () => {
    // FIPS 180-2's example: SHA-256("abc").
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const key = generateKey();

    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(key)).not.toBe(hashKey(generateKey()));
    expect(displayPrefix(key)).toBe(key.slice(0, 12));
  });

  it('refuses text that is not in the form of a Bullseye key', () => {
    expect(looksLikeKey('bsk_short')).toBe(false);
    expect(looksLikeKey(`sk_${'a'.repeat(43)}`)).toBe(false);
    expect(looksLikeKey(`bsk_${'a'.repeat(43)} `)).toBe(false);
  });

  it.each([
    [{ authorization: 'Bearer bsk_abc' }, 'bsk_abc'],
    [{ authorization: 'bearer   bsk_abc  ' }, 'bsk_abc'],
    [{ 'x-api-key': ' bsk_abc ' }, 'bsk_abc'],
    [{ authorization: 'Bearer bsk_from_header', 'x-api-key': 'bsk_other' }, 'bsk_from_header'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, null],
    [{ authorization: 'Bearer' }, null],
    [{ 'x-api-key': '   ' }, null],
    [{}, undefined],
  ])('reads the key a request presents from %j', (headers, expected) => {
    expect(presentedKey(headers)).toBe(expected);
  });
});
