import { Global, Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AccessGuard } from './access.guard';
import { ApiKeysController, AuditController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';
import { CallerResolver } from './caller-resolver';
import { RATE_LIMIT_WINDOW_MS, RateLimitGuard } from './rate-limit.guard';

/**
 * Who may call the API: API keys with a role each, checked on every route (which declares
 * its roles with `@Roles`, or `@Public`); a rate limit per key; and the audit log of every
 * mutating request. The guards run in the order listed: rate limit, then access. Global,
 * so the audit interceptor each controller binds (`@Audited()`) finds its service here.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ ttl: RATE_LIMIT_WINDOW_MS, limit: Math.max(1, config.rateLimitPerMinute) }],
      }),
    }),
  ],
  controllers: [ApiKeysController, AuditController],
  providers: [
    ApiKeysService,
    AuditService,
    CallerResolver,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
    AuditInterceptor,
  ],
  exports: [ApiKeysService, AuditService, AuditInterceptor],
})
export class AccessModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(AccessModule.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    // Only a server answers requests; the CLI's application has no HTTP adapter.
    if (this.config.auth === 'off' && this.adapterHost.httpAdapter) {
      this.logger.warn(
        'BULLSEYE_AUTH=off: the API answers every request without a key. ' +
          'For local development only; never expose it so.',
      );
    }
  }
}
