import { ErrorDetail, UserError } from '../../common/errors';
import type { CellValue, CustomerAttributes } from '../datasets/dataset-schema';
import { readBoolean, readDate, readNumeric } from '../preprocessing/cells';
import { parseSerializedPipeline } from '../preprocessing/serialization';

/**
 * The attributes a model version reads, and the check of a customer sent for real-time
 * scoring against them. The pipeline itself reads a value of the wrong type as missing and
 * imputes it, which suits imported files; a caller who sends `"age": "forty"` should hear
 * about it instead of getting the score of an average-aged customer.
 */

export type InputType = 'numeric' | 'date' | 'boolean' | 'categorical';

export interface InputColumn {
  readonly name: string;
  readonly type: InputType;
}

/** The columns a stored pipeline reads, in its order. */
export function inputColumns(serializedPipeline: unknown): InputColumn[] {
  return parseSerializedPipeline(serializedPipeline).columns.map((column) => ({
    name: column.name,
    type: column.kind === 'numeric' ? column.type : column.kind,
  }));
}

const EXPECTED: Readonly<Record<InputType, string>> = {
  numeric: 'must be a number (or decimal text such as "42")',
  date: 'must be an ISO 8601 date such as "2024-03-01" or "2024-03-01T12:00:00Z"',
  boolean: 'must be true or false (also 1/0, "yes"/"no")',
  categorical: 'must be text naming a category',
};

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && !value.trim());
}

function fits(value: CellValue, type: InputType): boolean {
  switch (type) {
    case 'numeric':
      return !Number.isNaN(readNumeric(value));
    case 'date':
      return !Number.isNaN(readDate(value));
    case 'boolean':
      return !Number.isNaN(readBoolean(value));
    case 'categorical':
      return typeof value === 'string';
  }
}

/**
 * What is wrong with `customer` for a model reading `columns`: one detail per attribute of
 * the wrong type, with its JSON path under `at`. Missing attributes are fine (the pipeline
 * imputes them) and attributes the model does not read are left out (the answer lists both).
 */
export function customerProblems(
  customer: unknown,
  columns: readonly InputColumn[],
  at = '$.customer',
): ErrorDetail[] {
  if (customer === null || typeof customer !== 'object' || Array.isArray(customer)) {
    return [{ path: at, message: 'must be an object of attributes by column name' }];
  }
  const attributes = customer as Record<string, unknown>;
  const problems: ErrorDetail[] = [];
  for (const column of columns) {
    const value = Object.hasOwn(attributes, column.name) ? attributes[column.name] : undefined;
    if (isMissing(value)) {
      continue;
    }
    const scalar = typeof value !== 'object' && typeof value !== 'function';
    if (!scalar || !fits(value as CellValue, column.type)) {
      problems.push({
        path: `${at}.${column.name}`,
        field: column.name,
        message: `${EXPECTED[column.type]}; got ${JSON.stringify(value)}`,
      });
    }
  }

  return problems;
}

/** Attributes sent that the model does not read, and its inputs left to imputation. */
export function attributeUse(
  customer: CustomerAttributes,
  columns: readonly InputColumn[],
): { unused: string[]; imputed: string[] } {
  const read = new Set(columns.map((column) => column.name));

  return {
    unused: Object.keys(customer).filter((name) => !read.has(name)),
    imputed: columns
      .filter((column) => !Object.hasOwn(customer, column.name) || isMissing(customer[column.name]))
      .map((column) => column.name),
  };
}

/**
 * The customer as the scorer takes it.
 *
 * @throws UserError `customer_attributes_invalid` listing every attribute of the wrong type.
 */
export function checkCustomer(
  customer: unknown,
  columns: readonly InputColumn[],
  at = '$.customer',
): CustomerAttributes {
  const problems = customerProblems(customer, columns, at);
  if (problems.length > 0) {
    throw new UserError(
      'customer_attributes_invalid',
      `The customer's attributes do not fit the model: ` +
        `${problems.map((p) => `${p.path} ${p.message}`).join('; ')}.`,
      400,
      problems,
    );
  }

  return customer as CustomerAttributes;
}
