import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { UserError } from '../../common/errors';
import type { HttpRequest } from '../../common/http';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { CallerResolver } from './caller-resolver';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * `BULLSEYE_RATE_LIMIT` requests a minute, counted per API key over every route, or per IP
 * address for requests without a valid key (so guessing keys is slowed down too). It runs
 * before the access check; a refusal is a 429 in the API's error format with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly resolver: CallerResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || this.config.rateLimitPerMinute === 0;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const identity = await this.resolver.identify(request as unknown as HttpRequest);

    return identity.kind === 'key'
      ? `key:${identity.caller.keyId}`
      : `ip:${await super.getTracker(request)}`;
  }

  /** One count per tracker for the whole API, not one per route. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttler: string,
  ): string {
    return `${throttler}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const who = detail.tracker.startsWith('key:') ? 'this API key' : 'requests without a key';
    throw new UserError(
      'rate_limited',
      `Too many requests: ${who} may make ${detail.limit} a minute. ` +
        `Try again in ${detail.timeToBlockExpire} s.`,
      429,
    );
  }
}
