import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { RequestHandler } from 'express';
import helmet from 'helmet';
import { UserError } from '../../common/errors';
import type { AppConfig } from '../../config/config';

/**
 * What every HTTP answer gets before any route runs: helmet's security headers, CORS only
 * for the origins configured, and JSON and form bodies up to `bodyLimitBytes` (a larger
 * one is a 413 in the API's error format). Dataset uploads are multipart and keep their
 * own limit. Call it before the application is initialised, on an application created
 * with `bodyParser: false`.
 */
export function secureHttp(
  app: NestExpressApplication,
  config: Pick<AppConfig, 'bodyLimitBytes' | 'corsOrigins'>,
): void {
  // Without upgrade-insecure-requests, so /docs still loads its scripts over plain http
  // (http://127.0.0.1:3000 by default).
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      exposedHeaders: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
      maxAge: 600,
    });
  }
  // The application is created with `bodyParser: false`: these are its parsers. Signed
  // requests (POST /events) are checked over the exact bytes, kept in `rawBody`.
  const options = { limit: config.bodyLimitBytes, verify: keepRawBody };
  app.use(limited(express.json(options), config.bodyLimitBytes));
  app.use(limited(express.urlencoded({ ...options, extended: true }), config.bodyLimitBytes));
}

function keepRawBody(request: IncomingMessage, _response: unknown, body: Buffer): void {
  (request as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
}

/** The parser, with its "too large" error turned into the API's 413. */
function limited(parser: RequestHandler, limitBytes: number): RequestHandler {
  return function parse(request, response, next) {
    parser(request, response, (error?: unknown) => {
      if ((error as { type?: unknown } | undefined)?.type === 'entity.too.large') {
        next(
          new UserError(
            'payload_too_large',
            `The request body is larger than ${formatBytes(limitBytes)}; send less at once ` +
              '(the limit is BULLSEYE_BODY_LIMIT_MB).',
            413,
          ),
        );

        return;
      }
      next(error);
    });
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(2)} MB` : `${bytes} bytes`;
}
