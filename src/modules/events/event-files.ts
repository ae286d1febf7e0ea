import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parse } from 'csv-parse';
import type { ErrorDetail } from '../../common/errors';
import { InboundEvent, readEvent } from './event-validation';

/**
 * Outcome events from a file an operator loads: JSON lines (one event object a line) or
 * CSV with a header naming the event fields (`id,customerId,type,occurredAt,…`; empty
 * cells are absent fields). Problems carry the file's line and the field's JSON path.
 */

export type EventFileFormat = 'jsonl' | 'csv';

export interface EventFile {
  readonly events: InboundEvent[];
  /** The line of each event, aligned with `events`. */
  readonly lines: number[];
  /** The first problems found (at most `MAX_PROBLEMS`); events is empty when there are any. */
  readonly problems: ErrorDetail[];
  /** Lines with a problem, all of them. */
  readonly badLines: number;
}

const MAX_PROBLEMS = 100;

export function eventFileFormat(file: string, head: string): EventFileFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson' || extension === '.json') return 'jsonl';

  return head.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

export async function readEventFile(
  file: string,
  format: EventFileFormat,
  now: number,
): Promise<EventFile> {
  const events: InboundEvent[] = [];
  const lines: number[] = [];
  const problems: ErrorDetail[] = [];
  let badLines = 0;
  const records = format === 'csv' ? csvRecords(file) : jsonRecords(file);
  for await (const { line, record, problem } of records) {
    const found: ErrorDetail[] = problem ? [{ path: '$', message: problem }] : [];
    const event = problem ? undefined : readEvent(record, '$', now, found);
    if (event && found.length === 0) {
      events.push(event);
      lines.push(line);
      continue;
    }
    badLines++;
    problems.push(...found.map((detail) => ({ line, ...detail })));
  }
  const first = new Map<string, number>();
  events.forEach((event, i) => {
    const seen = first.get(event.id);
    if (seen === undefined) {
      first.set(event.id, lines[i]);

      return;
    }
    badLines++;
    problems.push({ line: lines[i], path: '$.id', message: `repeats the id of line ${seen}` });
  });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const kept = problems.slice(0, MAX_PROBLEMS);

  const ok = problems.length === 0;

  return { events: ok ? events : [], lines: ok ? lines : [], problems: kept, badLines };
}

interface FileRecord {
  readonly line: number;
  readonly record?: Record<string, unknown>;
  readonly problem?: string;
}

async function* jsonRecords(file: string): AsyncGenerator<FileRecord> {
  const input = readline.createInterface({
    input: fs.createReadStream(file, 'utf8'),
    crlfDelay: Infinity,
  });
  let line = 0;
  for await (const text of input) {
    line++;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (trimmed === '') continue;
    try {
      yield { line, record: JSON.parse(trimmed) as Record<string, unknown> };
    } catch (error) {
      yield { line, problem: `not JSON: ${(error as Error).message}` };
    }
  }
}

async function* csvRecords(file: string): AsyncGenerator<FileRecord> {
  const parser = fs.createReadStream(file).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => header.map((name) => name.trim()),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number; invalid_field_length: number };
  }>) {
    const cells = Object.entries(record).filter(([, value]) => value !== '' && value !== undefined);
    const fields: Record<string, unknown> = Object.fromEntries(cells);
    if (typeof fields.value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(fields.value)) {
      fields.value = Number(fields.value);
    }
    yield { line: info.lines, record: fields };
  }
}
