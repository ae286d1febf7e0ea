import { randomUUID } from 'node:crypto';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { formatBytes } from '../modules/access/http-security';
import { ErrorBody, ErrorDetail, UserError } from './errors';
import type { HttpReply, HttpRequest } from './http';

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
};

/** Turns every error into the one error format of the API. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorFilter.name);

  /** `bodyLimitBytes`, to say in a 413 what the limit is. */
  constructor(private readonly limits: { readonly bodyLimitBytes: number }) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<HttpReply>();
    const requestId = http.getRequest<HttpRequest | undefined>()?.id;
    const { status, body } = toErrorResponse(this.explained(exception), this.logger, requestId);
    void reply.status(status).send(body);
  }

  /** Fastify's refusal of a body over the limit, said with the limit and its setting. */
  private explained(exception: unknown): unknown {
    if (!(exception instanceof HttpException) || exception.getStatus() !== 413) {
      return exception;
    }

    return new UserError(
      'payload_too_large',
      `The request body is larger than ${formatBytes(this.limits.bodyLimitBytes)}; send less ` +
        'at once (the limit is BULLSEYE_BODY_LIMIT_MB).',
      413,
    );
  }
}

export function toErrorResponse(
  exception: unknown,
  logger: Pick<Logger, 'error'>,
  requestId?: string,
): { status: number; body: ErrorBody } {
  if (exception instanceof UserError) {
    return {
      status: exception.status,
      body: {
        error: { code: exception.code, message: exception.message, details: exception.details },
      },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status < 500) {
      return { status, body: fromHttpException(exception, status) };
    }
  }
  const rejected = fastifyRejection(exception) ?? clientAbort(exception);
  if (rejected) {
    return rejected;
  }
  const errorId = randomUUID();
  logger.error({ err: exception, errorId, reqId: requestId }, 'Unexpected error');

  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: {
      error: {
        code: 'internal_error',
        message: `Something went wrong on our side. Quote error id ${errorId} when reporting it.`,
        details: [],
        errorId,
      },
    },
  };
}

/**
 * Fastify and its plugins refuse a request with an error of theirs: a code `FST_…` and a 4xx
 * `statusCode` (a body cut short, a multipart part too many). Errors raised in a hook are
 * turned into an HttpException by Nest; these are the ones that reach the filter as they
 * are, from a route's own use of a plugin. They are the client's mistakes, not faults of
 * ours.
 */
function fastifyRejection(exception: unknown): { status: number; body: ErrorBody } | null {
  // Not `instanceof Error`: zlib's errors, which a bad compressed body raises, may come from
  // another realm (under Jest they do).
  if (typeof exception !== 'object' || exception === null) {
    return null;
  }
  const {
    statusCode: status,
    code,
    message,
  } = exception as {
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (typeof code !== 'string' || !code.startsWith('FST_') || typeof message !== 'string') {
    return null;
  }
  if (typeof status !== 'number' || status < 400 || status >= 500) {
    return null;
  }

  return {
    status,
    body: {
      error: { code: HTTP_CODES[status] ?? 'http_error', message, details: [] },
    },
  };
}

/**
 * A client that closed the connection before its body was all sent: Node's `aborted` error
 * (ECONNRESET). No one reads the answer; it is the client's doing, not a fault to log as one.
 */
function clientAbort(exception: unknown): { status: number; body: ErrorBody } | null {
  const { code, message } = (exception ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ECONNRESET' || message !== 'aborted') {
    return null;
  }

  return {
    status: 400,
    body: {
      error: {
        code: 'request_aborted',
        message: 'The request ended before its whole body arrived (the connection closed).',
        details: [],
      },
    },
  };
}

function fromHttpException(exception: HttpException, status: number): ErrorBody {
  const raw = exception.getResponse();
  const code = HTTP_CODES[status] ?? 'http_error';
  if (typeof raw === 'string') {
    return { error: { code, message: raw, details: [] } };
  }
  const payload = raw as { message?: unknown; code?: string; details?: ErrorDetail[] };
  if (Array.isArray(payload.details)) {
    return {
      error: {
        code: payload.code ?? code,
        message: String(payload.message ?? exception.message),
        details: payload.details,
      },
    };
  }
  const messages = Array.isArray(payload.message) ? payload.message.map(String) : [];

  return {
    error: {
      code,
      message: messages.length ? messages.join('; ') : String(payload.message ?? exception.message),
      details: messages.map((message) => ({ message })),
    },
  };
}
