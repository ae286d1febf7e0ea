import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NotFoundError, UserError } from '../../common/errors';
import type { HttpReply, HttpRequest } from '../../common/http';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { ApiKeysService } from './api-keys.service';
import { actionOf, AuditService, MUTATING_METHODS } from './audit.service';
import type { Caller } from './caller';
import { CallerResolver } from './caller-resolver';
import { ACCESS_RULE, AccessRule, EndpointReference, permissionOf, ROLES } from './roles';

/**
 * The access check of every route. A route without a declaration (`@Roles` or `@Public`)
 * is refused to every key, so a route added without thought is closed, not open. Answers
 * 401 without a valid key and 403 when the key's role is not one the route names. The API
 * docs (`/docs`) are served by Swagger beside the controllers, where no guard runs: public.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: CallerResolver,
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http' || this.config.auth === 'off') {
      return true;
    }

    return this.check(context);
  }

  private async check(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule && 'public' in rule) {
      return true;
    }

    const identity = await this.resolver.identify(request);
    if (identity.kind !== 'key') {
      context.switchToHttp().getResponse<HttpReply>().header('WWW-Authenticate', 'Bearer');
      throw identity.kind === 'anonymous'
        ? new UserError(
            'api_key_missing',
            'This route needs an API key: send "Authorization: Bearer <key>" or x-api-key. ' +
              'An admin makes keys with `bullseye keys create`.',
            401,
          )
        : new UserError(identity.code, identity.message, 401);
    }
    const { caller } = identity;
    this.keys.touch(caller.keyId);

    if (!rule) {
      this.logger.error(`${actionOf(request)} declares no roles, so it is refused to every key`);

      return this.refuse(
        request,
        'route_not_declared',
        `${actionOf(request)} is not open to any key yet.`,
      );
    }
    const permission = permissionOf(rule, caller.role);
    if (!permission.allowed) {
      const allowed = ROLES.filter((role) => permissionOf(rule, role).allowed);

      return this.refuse(
        request,
        'role_forbidden',
        `A ${caller.role} key may not call ${actionOf(request)}; ` +
          `it is open to ${allowed.join(', ')} keys.`,
      );
    }
    if (permission.ownEndpoint) {
      await this.checkOwnEndpoint(request, caller, permission.ownEndpoint);
    }

    return true;
  }

  private async refuse(request: HttpRequest, code: string, message: string): Promise<never> {
    if (MUTATING_METHODS.has(request.method)) {
      await this.audit.recordRequest(request, 403);
    }
    throw new UserError(code, message, 403);
  }

  /** For a role limited to its own endpoints: the endpoint the request is about is linked. */
  private async checkOwnEndpoint(
    request: HttpRequest,
    caller: Caller,
    reference: EndpointReference,
  ): Promise<void> {
    if ('deliveryParam' in reference) {
      const deliveryId = (request.params as Record<string, unknown>)[reference.deliveryParam];
      // Another endpoint's delivery is "not found", so its id tells nothing about it.
      if (
        typeof deliveryId !== 'string' ||
        !(await this.keys.ownsDelivery(caller.keyId, deliveryId))
      ) {
        throw new NotFoundError('delivery', String(deliveryId));
      }

      return;
    }
    const owned = await this.keys.endpointsOf(caller.keyId);
    const endpointId = (request.query as Record<string, unknown>)[reference.query];
    if (typeof endpointId !== 'string' || !owned.includes(endpointId)) {
      const yours = owned.length ? owned.join(', ') : 'none yet: an admin links them to the key';
      await this.refuse(
        request,
        typeof endpointId === 'string' ? 'endpoint_not_owned' : 'endpoint_required',
        `A ${caller.role} key reads the deliveries of its own endpoints only: name one with ` +
          `?${reference.query}= (yours: ${yours}).`,
      );
    }
  }
}
