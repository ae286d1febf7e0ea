import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { HttpRequest } from '../../common/http';
import { Caller, callerOf } from './caller';

/**
 * Who to record as having made a change (a promotion, a retraining): the calling key's
 * name, after the body's `actor` when one is given (`maria via ops-console`); without keys
 * (`BULLSEYE_AUTH=off`), the body's `actor` or `api`.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<HttpRequest>();

  return actorFor(callerOf(request), (request.body as { actor?: unknown } | undefined)?.actor);
});

export function actorFor(caller: Pick<Caller, 'name'> | undefined, given: unknown): string {
  const named = typeof given === 'string' && given.trim() ? given.trim() : undefined;
  if (!caller) {
    return named ?? 'api';
  }

  // Actors are stored in 128 characters.
  return (named ? `${named} via ${caller.name}` : caller.name).slice(0, 128);
}
