import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, concatMap, from, Observable, throwError } from 'rxjs';
import { UserError } from '../../common/errors';
import type { HttpReply, HttpRequest } from '../../common/http';
import {
  AuditService,
  CHANGES_NOTHING,
  ChangesNothingWhen,
  MUTATING_METHODS,
} from './audit.service';

/**
 * Writes an audit entry for every POST, PUT, PATCH and DELETE that passed the access
 * check, with the status it is answered with, before the answer goes out, but for those a
 * route marks `@ChangesNothing`. (Refusals by the access check are written by the guard.)
 * Bound to each controller that changes something (`@Audited()`), not to the whole API: a
 * route that only answers (POST /score) then runs without Nest's interceptor chain, a
 * third of its cost. The route walk in test/e2e/access checks that every route that changes
 * something writes its entry.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (context.getType() !== 'http' || !MUTATING_METHODS.has(request.method)) {
      return next.handle();
    }
    const unchanged = this.reflector.get<ChangesNothingWhen | undefined>(
      CHANGES_NOTHING,
      context.getHandler(),
    );
    if (unchanged?.(request)) {
      return next.handle();
    }
    const response = context.switchToHttp().getResponse<HttpReply>();

    return next.handle().pipe(
      concatMap((answer) =>
        from(this.audit.recordRequest(request, response.statusCode, answer).then(() => answer)),
      ),
      catchError((error: unknown) =>
        from(this.audit.recordRequest(request, statusOf(error))).pipe(
          concatMap(() => throwError(() => error)),
        ),
      ),
    );
  }
}

/** The status the error filter answers an error with. */
function statusOf(error: unknown): number {
  if (error instanceof UserError) {
    return error.status;
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    return error.getStatus();
  }

  return 500;
}

/** Puts every mutating route of a controller in the audit log (see AuditInterceptor). */
export const Audited = (): ClassDecorator & MethodDecorator => UseInterceptors(AuditInterceptor);
