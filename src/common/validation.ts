import {
  ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { ErrorDetail, UserError } from './errors';

/**
 * Deepest nesting of objects and arrays a request body may have. The deepest rules a campaign
 * may hold (32 levels of all, any and not) need about 70; class-transformer and the pipe's
 * own key stripping recurse once per level and overflow the stack at a few thousand.
 */
export const MAX_BODY_DEPTH = 128;

/** Flattens class-validator's error tree into details that name a JSON path each. */
export function validationDetails(errors: ValidationError[], parent = '$'): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) {
      details.push({ path, message });
    }
    details.push(...validationDetails(error.children ?? [], path));
  }

  return details;
}

/** How deep objects and arrays nest in `value`, counted without recursion up to `limit + 1`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') {
      continue;
    }
    deepest = Math.max(deepest, depth);
    if (deepest > limit) {
      break;
    }
    for (const child of Object.values(item)) {
      pending.push([child, depth + 1]);
    }
  }

  return deepest;
}

/** Refuses bodies nested too deeply to validate before any recursive step sees them. */
class BodyValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && nestingDepth(value, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
      throw new UserError(
        'request_too_deep',
        `The request body nests objects and arrays more than ${MAX_BODY_DEPTH} levels deep; ` +
          'flatten it (campaign rules nest at most 32 levels of all, any and not).',
        400,
        [{ path: '$', message: `more than ${MAX_BODY_DEPTH} levels of objects and arrays` }],
      );
    }

    return super.transform(value, metadata);
  }
}

/** The validation pipe of the whole API: unknown properties are refused, not dropped. */
export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => validationFailed(validationDetails(errors)),
  });
}

/** The API's answer to a body that fails its check: `validation_failed`, a detail a problem. */
export function validationFailed(details: ErrorDetail[]): BadRequestException {
  return new BadRequestException({
    code: 'validation_failed',
    message: `The request is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    details,
  });
}
