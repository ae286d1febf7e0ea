import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import * as os from 'node:os';
import { Params } from 'nestjs-pino';
import { AppConfig } from '../config/config';

/**
 * Structured logs with pino: one JSON object a line, the class name as context, and a
 * request id on every line of a request (taken from `x-request-id` when the caller sent
 * one). Customer attributes and secrets are never logged: log ids and counts instead. The
 * parameters of a failed SQL statement (rows with attributes) are redacted from errors, and
 * request lines name a customer route without its id, since an id may be an email.
 */
export function loggerParams(config: Pick<AppConfig, 'logLevel' | 'logPretty'>): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // The id Fastify gave the request (`requestIdOf`), which the audit log records too.
      genReqId: (req: IncomingMessage & { id?: unknown }) =>
        typeof req.id === 'string' ? req.id : requestIdOf(req),
      // On every line, bound once: `customProps` would make two more loggers per request.
      base: { service: 'bullseye', pid: process.pid, hostname: os.hostname() },
      redact: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'err.parameters',
        'err.cause.parameters',
      ],
      serializers: { req: withoutCustomerIds },
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
      transport: config.logPretty
        ? { target: 'pino-pretty', options: { singleLine: true, destination: 2 } }
        : undefined,
      stream: config.logPretty ? undefined : process.stderr,
    },
  };
}

/** The caller's `x-request-id` when it sent a usable one, a new UUID otherwise. */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const given = req.headers['x-request-id'];

  return typeof given === 'string' && given.length > 0 && given.length <= 128
    ? given
    : randomUUID();
}

const CUSTOMER_PATH = /\/customers\/[^/?#]+/;

/** A serialized request with `/customers/<id>` read as `/customers/:id`, and no params. */
export function withoutCustomerIds<T extends { url?: string; params?: unknown }>(req: T): T {
  if (typeof req.url !== 'string' || !CUSTOMER_PATH.test(req.url)) {
    return req;
  }

  return { ...req, url: req.url.replace(CUSTOMER_PATH, '/customers/:id'), params: undefined };
}
