import { randomUUID } from 'node:crypto';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { ErrorBody, ErrorDetail, UserError } from './errors';

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

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorResponse(exception, this.logger);
    response.status(status).json(body);
  }
}

export function toErrorResponse(
  exception: unknown,
  logger: Pick<Logger, 'error'>,
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
  const rejected = bodyParserRejection(exception);
  if (rejected) {
    return rejected;
  }
  const errorId = randomUUID();
  logger.error({ err: exception, errorId }, 'Unexpected error');

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
 * The body parsers below Nest refuse a request with an `http-errors` error: a 4xx `status`
 * and `expose: true`, which marks its message as meant for the client (an unsupported
 * charset or content encoding is a 415, a body cut short a 400). Those are the client's
 * mistakes, not faults of ours.
 */
function bodyParserRejection(exception: unknown): { status: number; body: ErrorBody } | null {
  if (!(exception instanceof Error)) {
    return null;
  }
  const { status, expose } = exception as Error & { status?: unknown; expose?: unknown };
  if (expose !== true || typeof status !== 'number' || status < 400 || status >= 500) {
    return null;
  }

  return {
    status,
    body: {
      error: { code: HTTP_CODES[status] ?? 'http_error', message: exception.message, details: [] },
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
