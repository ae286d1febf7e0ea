/**
 * Errors with codes. A user's mistake (a bad file, a bad parameter) is a `UserError` and
 * becomes a 4xx whose message says what to fix and where; anything else is a system fault,
 * answered with a 500 that carries an error id also written to the log.
 */

/** Where in the input a problem is: a line and column of a file, or a JSON path. */
export interface ErrorLocation {
  line?: number;
  column?: number;
  path?: string;
  field?: string;
}

export interface ErrorDetail extends ErrorLocation {
  message: string;
  [key: string]: unknown;
}

export type UserErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429;

export class UserError extends Error {
  constructor(
    /** Stable, machine-readable code in snake_case, e.g. `dataset_empty`. */
    readonly code: string,
    message: string,
    readonly status: UserErrorStatus = 400,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class NotFoundError extends UserError {
  constructor(what: string, id: string | number) {
    super(`${what}_not_found`, `No ${what.replace(/_/g, ' ')} with id "${id}".`, 404);
  }
}

export class ConflictError extends UserError {
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(code, message, 409, details);
  }
}

/** Thrown by long work that was cancelled on request. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** The body of every error response of the API. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: ErrorDetail[];
    /** Present on 5xx answers: the id under which the fault was logged. */
    errorId?: string;
  };
}
