import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Integration secrets at rest. Checking an HMAC needs the secret itself, so it cannot be
 * stored hashed; it is sealed with AES-256-GCM instead, under a key kept outside the
 * database (`BULLSEYE_SECRETS_KEY`, or a key file in the data folder). A copy of the
 * database alone reveals no secret. Sealed form: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */

export const SEALING_KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';

export function seal(key: Buffer, plaintext: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);

  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The plaintext of `sealed`; throws when it was sealed under another key or altered. */
export function unseal(key: Buffer, sealed: string): string {
  checkKey(key);
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || ciphertext === undefined) {
    throw new Error('Not a sealed secret of a known version.');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));

  return Buffer.concat([
    decipher.update(Buffer.from(ciphertext, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

function checkKey(key: Buffer): void {
  if (key.length !== SEALING_KEY_BYTES) {
    throw new Error(`A sealing key has ${SEALING_KEY_BYTES} bytes, not ${key.length}.`);
  }
}
