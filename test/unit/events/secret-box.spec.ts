import { seal, unseal } from '../../../src/modules/events/secret-box';

const KEY = Buffer.alloc(32, 3);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('secret box', () => {
  it('opens what it sealed, and seals the same secret differently each time', () => {
    const first = seal(KEY, SECRET);
    const second = seal(KEY, SECRET);

    expect(unseal(KEY, first)).toBe(SECRET);
    expect(first).not.toBe(second);
    expect(first).not.toContain('MfKQ9r8G');
    expect(first.startsWith('v1.')).toBe(true);
  });

  it('refuses another key and an altered ciphertext', () => {
    const sealed = seal(KEY, SECRET);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    parts[3] = flipped.toString('base64url');

    expect(() => unseal(Buffer.alloc(32, 4), sealed)).toThrow();
    expect(() => unseal(KEY, parts.join('.'))).toThrow();
    expect(() => seal(Buffer.alloc(16), SECRET)).toThrow('32 bytes');
  });
});
