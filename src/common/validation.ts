import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail } from './errors';

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

/** The validation pipe of the whole API: unknown properties are refused, not dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const details = validationDetails(errors);

      return new BadRequestException({
        code: 'validation_failed',
        message: `The request is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      });
    },
  });
}
