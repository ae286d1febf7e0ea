import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Params } from 'nestjs-pino';
import { AppConfig } from '../config/config';

/**
 * Structured logs with pino: one JSON object a line, the class name as context, and a
 * request id on every line of a request (taken from `x-request-id` when the caller sent
 * one). Customer attributes and secrets are never logged: log ids and counts instead.
 */
export function loggerParams(config: Pick<AppConfig, 'logLevel' | 'logPretty'>): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];

        return typeof given === 'string' && given.length <= 128 ? given : randomUUID();
      },
      customProps: () => ({ service: 'bullseye' }),
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
      transport: config.logPretty
        ? { target: 'pino-pretty', options: { singleLine: true, destination: 2 } }
        : undefined,
      stream: config.logPretty ? undefined : process.stderr,
    },
  };
}
