import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import * as os from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Params } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../config/config';

/**
 * Structured logs with pino: one JSON object a line, the class name as context, and one line
 * a request (`request completed`, with the request id, taken from `x-request-id` when the
 * caller sent one). Customer attributes and secrets are never logged: log ids and counts
 * instead. The parameters and values of a failed SQL statement (rows with attributes) are
 * left out of errors, and request lines name the route, not the URL, since an id may be an
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

/** A raw request as the hooks below hand it to the log: with its id and the route matched. */
type LoggedRequest = IncomingMessage & { id?: string; route?: string };

/**
 * A request as a log line names it: id, method, URL (`urlForLog`), the peer's address. No
 * headers: they carry API keys and cookies, and the request id stands for the rest.
 */
function requestForLog(req: LoggedRequest | null): Record<string, unknown> | null {
  if (!req || typeof req !== 'object') {
    return req;
  }

  return {
    id: req.id,
    method: req.method,
    url: typeof req.url === 'string' ? urlForLog(req.url, req.route) : undefined,
    remoteAddress: req.socket?.remoteAddress,
  };
}

/** A query key that is a plain name (`limit`, `modelName`): letters only, as ids seldom are. */
const PLAIN_KEY = /^[A-Za-z_]{1,40}$/;
/** A path segment that is a plain name (`customers`, `campaign-runs`): letters and hyphens. */
const PLAIN_SEGMENT = /^[A-Za-z][A-Za-z-]{0,39}$/;

/**
 * A URL as the log shows it, without anything a caller put in it that may be a customer's
 * id or email: the route it matched (`/customers/:id/export`), or for a URL no route
 * matches its first segment when that is a plain name (`/customers/…`); of the query, the
 * keys that are plain names, never a value (`?target=…`).
 */
export function urlForLog(url: string, route?: string): string {
  const queryAt = url.indexOf('?');
  const path = (queryAt === -1 ? url : url.slice(0, queryAt)).split('#')[0];
  let shown = route;
  if (shown === undefined) {
    const [first = '', ...rest] = path.split('/').slice(1);
    shown = PLAIN_SEGMENT.test(first) ? `/${first}${rest.length > 0 ? '/…' : ''}` : '/…';
  }
  if (queryAt === -1) {
    return shown;
  }
  const keys = url
    .slice(queryAt + 1)
    .split('#')[0]
    .split('&')
    .map((part) => {
      const [key, ...value] = part.split('=');

      return PLAIN_KEY.test(key) ? `${key}${value.length > 0 ? '=…' : ''}` : '…';
    });

  return `${shown}?${keys.join('&')}`;
}

/** Where sqlite3 (verbose, as TypeORM loads it) starts what it appends to an error's stack. */
const DRIVER_TRACE = /\n--> in [\s\S]*$/;

/** A quoted literal in SQL ('' inside is a quote), and a number standing alone. */
const SQL_LITERAL = /'(?:[^']|'')*'|(?<![\w."?])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w."])/gi;

/**
 * A failed statement as the log shows it: its text to the first VALUES (rows are written
 * into the text of batched inserts), and every literal left in it as `?`.
 */
export function statementForLog(query: string): string {
  const values = query.search(/\bVALUES\b/i);
  const head = values === -1 ? query : `${query.slice(0, values)}VALUES …`;

  return head.replace(SQL_LITERAL, '?');
}

/**
 * An error as pino serializes it (with the stacks of its causes), less what sqlite3 appends
 * to the stack of a failed statement: the statement and the values bound to it (attributes,
 * a customer's id), then its caller; and less what TypeORM's QueryFailedError carries of
 * them: its parameters, and the values in its statement (`statementForLog`). The stack of that error already says where;
 * the driver's error keeps its message and code.
 */
function errorForLog(err: Error | null): Record<string, unknown> | null {
  // pino hands over whatever was logged as `err`, `throw null` included.
  if (!err || typeof err !== 'object') {
    return err;
  }
  const serialized = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  if (typeof serialized.stack === 'string') {
    serialized.stack = serialized.stack.replace(DRIVER_TRACE, '');
  }
  if (typeof serialized.query === 'string') {
    serialized.query = statementForLog(serialized.query);
  }
  if (serialized.parameters !== undefined) {
    serialized.parameters = '[Redacted]';
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
      named(request);
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
    named(request);
    logger.info({ req: request.raw }, 'request aborted by the client');
    done();
  });
}

/** The id and the route matched, on the raw request, where the serializer reads them. */
function named(request: FastifyRequest): void {
  const raw = request.raw as LoggedRequest;
  raw.id = request.id;
  raw.route = request.routeOptions.url;
}

/** The caller's `x-request-id` when it sent a usable one, a new UUID otherwise. */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const given = req.headers['x-request-id'];

  return typeof given === 'string' && given.length > 0 && given.length <= 128
    ? given
    : randomUUID();
}
