import Table from 'cli-table3';
import { ColumnProfile, DatasetView } from './dataset-schema';
import { describeBadRow } from './row-conversion';

const SHOWN_BAD_ROWS = 10;
const SHOWN_CATEGORIES = 3;

/** A dataset's profile as text for a terminal: a summary, the class balance, a column table. */
export function formatProfile(view: DatasetView): string {
  const { profile, schema } = view;
  const source =
    view.format === 'csv' ? `CSV, delimiter ${delimiterName(view.delimiter)}` : 'JSON lines';
  const lines = [
    `Dataset ${view.name} (${view.id})`,
    `${view.fileName}: ${source}; ${count(view.rowCount)} rows imported, ` +
      `${count(view.badRowCount)} bad rows left out; imported ${view.createdAt}`,
  ];

  if (schema.target !== undefined && profile.classBalance) {
    const classes = profile.classBalance.map(
      (c) => `${c.label}${c.positive ? ' (positive)' : ''} ${count(c.count)} (${percent(c.share)})`,
    );
    lines.push(`Target ${schema.target}: ${classes.join(', ')}`);
  }
  if (schema.idColumn !== undefined) {
    lines.push(`Customer id: ${schema.idColumn}`);
  }

  const table = new Table({
    head: [
      'column',
      'type',
      'role',
      'missing',
      'distinct',
      'min',
      'max',
      'mean',
      'std',
      'top values',
    ],
    style: { head: [], border: [], compact: true },
  });
  for (const column of profile.columns) {
    table.push(columnRow(column));
  }
  lines.push(table.toString());
  lines.push(...(profile.notes ?? []));

  if (view.badRows.length > 0) {
    const more = view.badRowCount > SHOWN_BAD_ROWS ? ` (first ${SHOWN_BAD_ROWS})` : '';
    lines.push(`Bad rows${more}:`);
    lines.push(...view.badRows.slice(0, SHOWN_BAD_ROWS).map((bad) => `  ${describeBadRow(bad)}`));
  }

  return lines.join('\n');
}

function columnRow(column: ColumnProfile): string[] {
  const distinct = `${column.distinctAtLeast ? '≥ ' : ''}${count(column.distinct)}`;
  const top = (column.topCategories ?? [])
    .slice(0, SHOWN_CATEGORIES)
    .map((c) => `${c.value} ${count(c.count)}`)
    .join(', ');

  return [
    column.name,
    column.type,
    column.personal === undefined ? column.role : `${column.role}, personal`,
    count(column.missing),
    distinct,
    figure(column.min),
    figure(column.max),
    figure(column.mean),
    figure(column.std),
    top,
  ];
}

function figure(value: number | string | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }

  return Number.isInteger(value)
    ? count(value)
    : value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function delimiterName(delimiter: string | null): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter ?? ','}"`;
}
