import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../common/sha256';

/** Every Bullseye API key starts so, which lets secret scanners and people recognise one. */
export const KEY_PREFIX = 'bsk_';

/** Characters of a key kept in clear for display: the marker and 8 random characters. */
const DISPLAY_LENGTH = KEY_PREFIX.length + 8;

const KEY_PATTERN = /^bsk_[A-Za-z0-9_-]{43}$/;

/** A new key: `bsk_` and 256 random bits (base64url). Shown once; only its hash is kept. */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function newKeyId(): string {
  return `key_${randomBytes(9).toString('base64url')}`;
}

/**
 * SHA-256 of the key, hex. A slow password hash (scrypt) guards guessable secrets; a key of
 * 256 random bits cannot be guessed from its hash at any speed, and a plain digest can be
 * looked up by an index on every request instead of costing tens of milliseconds each.
 */
export function hashKey(key: string): string {
  return sha256Hex(key);
}

/** The start of a key, to tell keys apart in lists without revealing them. */
export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_LENGTH);
}

export function looksLikeKey(text: string): boolean {
  return KEY_PATTERN.test(text);
}

/**
 * The key a request presents: `Authorization: Bearer <key>`, else `x-api-key: <key>`.
 * `undefined` when neither header is there; `null` when one is there but holds no key
 * (another scheme, or an empty value).
 */
export function presentedKey(headers: {
  authorization?: string | string[];
  'x-api-key'?: string | string[];
}): string | null | undefined {
  const authorization = single(headers.authorization);
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);

    return match ? match[1] : null;
  }
  const header = single(headers['x-api-key']);
  if (header !== undefined) {
    return header.trim() || null;
  }

  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
