import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import * as os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { Params } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../config/config';

/**
 * Structured logs with pino: one JSON object a line, the class name as context, and one line
 * a request (`request completed`, with the request id, taken from `x-request-id` when the
 * caller sent one). Customer attributes and secrets are never logged: log ids and counts
 * instead. The parameters of a failed SQL statement (rows with attributes) are redacted from
 * errors, and request lines name a customer route without its id, since an id may be an
 * email.
 *
 * The request line is written by a Fastify hook (`logRequests`), not by pino-http as Nest
 * middleware: that middleware, with the AsyncLocalStorage nestjs-pino keeps each request's
 * logger in, was a third of the cost of POST /score. Known shortcoming: lines that services
 * log while answering a request do not carry its id; the error filter's lines, which matter
 * most, do (it logs with the request's id and the error id it answers with).
 */
export function createLogger(
  config: Pick<AppConfig, 'logLevel' | 'logPretty'>,
  destination: pino.DestinationStream = process.stderr,
): pino.Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    // On every line, bound once.
    base: { service: 'bullseye', pid: process.pid, hostname: os.hostname() },
    redact: ['err.parameters', 'err.cause.parameters'],
    serializers: { req: requestForLog, err: errorForLog },
  };
  if (config.logPretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { singleLine: true, destination: 2 } },
    });
  }

  return pino(options, destination);
}

/**
 * A request as a log line names it: id, method, URL without customer ids, the peer's address.
 * No headers: they carry API keys and cookies, and the request id stands for the rest.
 */
function requestForLog(req: IncomingMessage & { id?: string }): Record<string, unknown> {
  return withoutCustomerIds({
    id: req.id,
    method: req.method,
    url: req.url,
    remoteAddress: req.socket?.remoteAddress,
  });
}

/** Where sqlite3 (verbose, as TypeORM loads it) starts what it appends to an error's stack. */
const DRIVER_TRACE = /\n--> in [\s\S]*$/;

/**
 * An error as pino serializes it (with the stacks of its causes), less what sqlite3 appends
 * to the stack of a failed statement: the statement and the values bound to it (attributes,
 * a customer's id), then its caller. The stack of the error wrapping it (TypeORM's
 * QueryFailedError) already says where; the driver's error keeps its message and code.
 */
function errorForLog(err: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  if (typeof serialized.stack === 'string') {
    serialized.stack = serialized.stack.replace(DRIVER_TRACE, '');
  }
  const driver = serialized.driverError as Record<string, unknown> | undefined;
  if (driver && typeof driver === 'object') {
    const { type, message, code, errno } = driver;
    serialized.driverError = { type, message, code, errno };
  }

  return serialized;
}

/** nestjs-pino's settings: Nest's own lines go to `logger`; it adds no request middleware. */
export function loggerParams(logger: pino.Logger): Params {
  return { pinoHttp: { logger }, forRoutes: [] };
}

/**
 * One line a request once it is answered, but for GET /health: method, URL, status, time;
 * or once the client has gone away without its answer.
 */
export function logRequests(fastify: FastifyInstance, logger: pino.Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.url !== '/health') {
      // The serializer reads the id off the raw request, as it does the method and URL.
      (request.raw as IncomingMessage & { id?: string }).id = request.id;
      const level = reply.statusCode >= 500 ? 'error' : 'info';
      logger[level](
        {
          req: request.raw,
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
  // A client that goes away before the answer gets no answer, and so no line above.
  fastify.addHook('onRequestAbort', (request, done) => {
    (request.raw as IncomingMessage & { id?: string }).id = request.id;
    logger.info({ req: request.raw }, 'request aborted by the client');
    done();
  });
}

/** The caller's `x-request-id` when it sent a usable one, a new UUID otherwise. */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const given = req.headers['x-request-id'];

  return typeof given === 'string' && given.length > 0 && given.length <= 128
    ? given
    : randomUUID();
}

/** A customer's id in a path, in any casing and after any number of slashes. */
const CUSTOMER_PATH = /\/customers\/+[^/?#]+/gi;
/** A value in a query string: any may be a customer's id or email. */
const QUERY_VALUE = /=[^&#]*/g;

/**
 * A serialized request with `/customers/<id>` read as `/customers/:id`, every query value as
 * `:value`, and no params.
 */
export function withoutCustomerIds<T extends { url?: string; params?: unknown }>(req: T): T {
  const { url } = req;
  if (typeof url !== 'string' || (!url.includes('?') && !/\/customers\//i.test(url))) {
    return req;
  }
  const query = url.indexOf('?');
  const path = (query === -1 ? url : url.slice(0, query)).replace(CUSTOMER_PATH, '/customers/:id');
  const masked = query === -1 ? path : path + url.slice(query).replace(QUERY_VALUE, '=:value');

  return { ...req, url: masked, params: undefined };
}
