import type { Role } from './roles';

/** The key a request was made with, as the rest of the request may know it. */
export interface Caller {
  keyId: string;
  /** The key's name, a label such as `crm-sync`; never the key. */
  name: string;
  role: Role;
}

/** Who a request comes from, worked out once per request. */
export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'rejected'; code: 'api_key_invalid' | 'api_key_revoked'; message: string }
  | { kind: 'key'; caller: Caller };

const identities = new WeakMap<object, Identity>();

export function rememberIdentity(request: object, identity: Identity): Identity {
  identities.set(request, identity);

  return identity;
}

export function knownIdentity(request: object): Identity | undefined {
  return identities.get(request);
}

/** The caller of a request, once a guard has checked its key; `undefined` without one. */
export function callerOf(request: object): Caller | undefined {
  const identity = identities.get(request);

  return identity?.kind === 'key' ? identity.caller : undefined;
}
