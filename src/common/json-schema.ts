import { PipeTransform } from '@nestjs/common';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import type { ErrorDetail } from './errors';
import { validationFailed } from './validation';

/**
 * One Ajv error as a detail whose path, below `root`, names the offending property itself
 * (a missing or unknown one included); `unknownProperty` is said of a property the schema
 * does not allow.
 */
export function schemaErrorDetail(
  error: ErrorObject,
  root: string,
  unknownProperty = 'is not allowed',
): ErrorDetail {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const named = params.missingProperty ?? params.additionalProperty;
  if (named !== undefined) {
    segments.push(named);
  }
  const path = segments.reduce(
    (acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : `${acc}.${s}`),
    root,
  );
  const message =
    error.keyword === 'additionalProperties'
      ? unknownProperty
      : error.keyword === 'enum'
        ? 'must be one of ' +
          (error.params as { allowedValues: unknown[] }).allowedValues
            .map((v) => JSON.stringify(v))
            .join(', ')
        : (error.message ?? 'is invalid');

  return { path, message, keyword: error.keyword };
}

// Request bodies are checked as sent: a string "1" where a number belongs is refused, not
// coerced. `example` is an OpenAPI annotation, so one schema serves the check and the docs.
const bodies = new Ajv2020({ allErrors: true, coerceTypes: false, strict: true });
bodies.addKeyword('example');

/**
 * The body check of a route that must be cheap (POST /score): a JSON Schema compiled once
 * by Ajv, in place of the class-validator pipe, with the same `validation_failed` answer.
 * Use it as `@Body(new SchemaBodyPipe(schema))` on a parameter typed by an interface, which
 * the global pipe leaves alone, and document the body with `@ApiBody({ schema })`.
 */
export class SchemaBodyPipe<T> implements PipeTransform<unknown, T> {
  private readonly check: ValidateFunction<T>;

  /** `schema` describes T; Ajv's own typing of schemas cannot say an optional is not null. */
  constructor(schema: object) {
    this.check = bodies.compile<T>(schema);
  }

  transform(value: unknown): T {
    if (this.check(value)) {
      return value;
    }

    throw validationFailed((this.check.errors ?? []).map(requestErrorDetail));
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer number',
  number: 'a number',
  object: 'an object',
  array: 'an array',
  boolean: 'a boolean value',
};

/**
 * One Ajv error of a request body, worded as the class-validator pipe words the same problem
 * on every other route (`model must be a string`, `property foo should not exist`).
 */
function requestErrorDetail(error: ErrorObject): ErrorDetail {
  const path = schemaErrorDetail(error, '$').path ?? '$';
  const name = path === '$' ? 'the body' : path.slice(path.lastIndexOf('.') + 1);
  const params = error.params as { type?: string; limit?: number };
  switch (error.keyword) {
    case 'type':
      return { path, message: `${name} must be ${TYPE_NAMES[params.type ?? ''] ?? params.type}` };
    case 'required':
      return { path, message: `${name} should not be empty` };
    case 'additionalProperties':
      return { path, message: `property ${name} should not exist` };
    case 'minLength':
      return {
        path,
        message: `${name} must be longer than or equal to ${params.limit} characters`,
      };
    case 'minimum':
      return { path, message: `${name} must not be less than ${params.limit}` };
    default:
      return { path, message: `${name} ${error.message ?? 'is invalid'}` };
  }
}
