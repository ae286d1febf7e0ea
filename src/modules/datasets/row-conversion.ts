import { RawRecord } from './dataset-reader';
import { BadRow, CellValue, CustomerAttributes, DatasetSchema } from './dataset-schema';
import { classKey, isMissing, parseCell, TYPE_WORDS } from './value-parsing';

/** A data row ready to store: the customer it belongs to, its label and its attributes. */
export interface ConvertedRow {
  readonly ok: true;
  readonly customerId: string;
  /** 1 for the positive label, 0 for another, null without a target value. */
  readonly label: 0 | 1 | null;
  /** The target as `classKey` spells it, for the class balance. */
  readonly targetClass: string | null;
  /** Parsed values in column order. */
  readonly values: CellValue[];
  /** Every column but the customer id, by name. */
  readonly attributes: CustomerAttributes;
}

export type RowResult = ConvertedRow | { readonly ok: false; readonly bad: BadRow };

/**
 * Parses one record with the dataset's final schema. A record is bad when the reader
 * flagged it, when a value does not parse as its column's type, or when its customer id is
 * missing. Without an id column the customer id is `<dataset name>:<row>`, so importing
 * the same file again reaches the same customers.
 */
export function convertRecord(
  record: RawRecord,
  schema: DatasetSchema,
  datasetName: string,
): RowResult {
  const { line, row } = record;
  if (record.problem) {
    return { ok: false, bad: { line, row, ...record.problem } };
  }

  const values: CellValue[] = new Array(schema.columns.length);
  const attributes: CustomerAttributes = {};
  let customerId = `${datasetName}:${row}`;
  let targetClass: string | null = null;
  for (let i = 0; i < schema.columns.length; i++) {
    const { name, type, personal } = schema.columns[i];
    const raw = record.cells[i] ?? null;
    const parsed = parseCell(raw, type);
    if (!parsed.ok) {
      // Bad rows are stored and shown: the value of a personal column is left out.
      const message =
        personal === undefined
          ? parsed.message
          : `the value (not shown: personal column) is not ${TYPE_WORDS[type]}`;

      return { ok: false, bad: { line, row, column: i + 1, field: name, message } };
    }
    values[i] = parsed.value;

    if (name === schema.idColumn) {
      if (parsed.value === null) {
        const message = 'the customer id is missing';

        return { ok: false, bad: { line, row, column: i + 1, field: name, message } };
      }
      customerId = String(parsed.value);
    } else {
      attributes[name] = parsed.value;
    }
    if (name === schema.target && raw !== null && !isMissing(raw)) {
      targetClass = classKey(raw, type);
    }
  }

  const label = targetClass === null ? null : targetClass === schema.positiveLabel ? 1 : 0;

  return { ok: true, customerId, label, targetClass, values, attributes };
}

/** A bad row in one line of text: `line 12, column "age": "abc" is not a number`. */
export function describeBadRow(bad: BadRow): string {
  const where =
    bad.field === undefined ? `line ${bad.line}` : `line ${bad.line}, column "${bad.field}"`;

  return `${where}: ${bad.message}`;
}
