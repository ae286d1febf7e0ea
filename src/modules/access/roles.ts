import { SetMetadata } from '@nestjs/common';

/**
 * The three roles an API key has. `admin` may call every route; the others only the routes
 * that name them. What each role may do is declared on the route, next to the code it
 * guards, and the access e2e spec holds the whole table.
 */
export const ROLES = ['admin', 'marketer', 'integrator'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Where a route names the endpoint whose data it shows, for a role that may only see the
 * data of the endpoints linked to its key: a query parameter holding an endpoint id, or a
 * route parameter holding a delivery id (whose endpoint is looked up).
 */
export type EndpointReference = { query: string } | { deliveryParam: string };

/** A role allowed on a route only for the endpoints linked to the calling key. */
export interface OwnEndpointGrant {
  role: Role;
  ownEndpoint: EndpointReference;
}

export type Grant = Role | OwnEndpointGrant;

/** What a route declares: who may call it. */
export type AccessRule = { public: true } | { grants: Grant[] };

export const ACCESS_RULE = 'bullseye:access-rule';

/**
 * The roles that may call a route (or every route of a controller; a route's own
 * declaration wins). `admin` may always call it and need not be named.
 *
 * @example `@Roles('marketer')`, or `@Roles('marketer', { role: 'integrator', ownEndpoint:
 * { query: 'endpointId' } })` for a route an integrator may call for its own endpoints.
 */
export const Roles = (...grants: Grant[]) =>
  SetMetadata<string, AccessRule>(ACCESS_RULE, { grants });

/** A route anyone may call without a key (`/health`). */
export const Public = () => SetMetadata<string, AccessRule>(ACCESS_RULE, { public: true });

/** How a role may call a route: not at all, for anything, or for its own endpoints only. */
export type Permission = { allowed: false } | { allowed: true; ownEndpoint?: EndpointReference };

export function permissionOf(rule: AccessRule, role: Role): Permission {
  if ('public' in rule || role === 'admin') {
    return { allowed: true };
  }
  let scoped: EndpointReference | undefined;
  for (const grant of rule.grants) {
    if (grant === role) {
      return { allowed: true };
    }
    if (typeof grant === 'object' && grant.role === role) {
      scoped = grant.ownEndpoint;
    }
  }

  return scoped ? { allowed: true, ownEndpoint: scoped } : { allowed: false };
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
