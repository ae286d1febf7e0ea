import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Transform } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { UserError } from '../../common/errors';
import { stripBom } from './delimiter';

/**
 * Streaming readers for the two file formats. Both hand out records one at a time with the
 * line they start on, so memory does not grow with the file, and neither judges values:
 * that is the import's job.
 */

/** One data row of a file, as text. `null` marks a value that is absent (JSON only). */
export interface RawRecord {
  /** Line of the file the record starts on, from 1. */
  readonly line: number;
  /** Position among the data rows, from 1 (blank lines are not rows). */
  readonly row: number;
  /** Cells aligned with the reader's `columns`; may be shorter for a row with a problem. */
  readonly cells: readonly (string | null)[];
  /** Why the record cannot be a row of the dataset, when it cannot. */
  readonly problem?: {
    readonly message: string;
    readonly column?: number;
    readonly field?: string;
  };
}

export interface RecordReader {
  /**
   * Column names. For CSV, the header, filled once the first record has been asked for;
   * for JSON lines, the keys seen so far in order of first appearance (or those given).
   */
  readonly columns: readonly string[];
  /** Bytes of the file read so far. */
  bytesRead(): number;
  records(): AsyncGenerator<RawRecord>;
}

/** A record longer than this is taken for an unclosed quote rather than buffered on. */
const MAX_RECORD_CHARS = 1_000_000;

export function openCsv(file: string, delimiter: string): RecordReader {
  const columns: string[] = [];
  let input: fs.ReadStream | undefined;

  async function* records(): AsyncGenerator<RawRecord> {
    input = fs.createReadStream(file);
    const checked = input.pipe(utf8Checked());
    const parser = checked.pipe(
      parse({
        delimiter,
        bom: true,
        info: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        skip_records_with_empty_values: true,
        max_record_size: MAX_RECORD_CHARS,
        // Every line end, whichever the header used: a file joined from two exports may mix
        // them, and a guess from the first line would count lines twice or merge records.
        record_delimiter: ['\r\n', '\n', '\r'],
      }),
    );
    checked.once('error', (error) => parser.destroy(error));
    let lastLine = 0;
    let row = 0;
    // csv-parse counts a CRLF inside a quoted field as two lines; this takes them back off.
    let extraLines = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: { lines: number };
      }>) {
        const breaks = lineBreaks(record);
        extraLines += breaks.crlf;
        lastLine = info.lines - extraLines;
        const line = lastLine - breaks.lines;
        if (columns.length === 0 && row === 0) {
          columns.push(...record.map((name) => name.trim()));
          continue;
        }
        row++;
        yield record.length === columns.length
          ? { line, row, cells: record }
          : {
              line,
              row,
              cells: record,
              problem: fieldCountProblem(record.length, columns.length, delimiter),
            };
      }
    } catch (error) {
      throw error instanceof CsvError ? malformed(error, lastLine + 1) : error;
    } finally {
      parser.destroy();
      checked.destroy();
      input.destroy();
    }
  }

  return { columns, bytesRead: () => input?.bytesRead ?? 0, records };
}

/**
 * Passes bytes on unchanged and fails, naming the line, at the first that are not UTF-8: a
 * file saved as Latin-1 or Windows-1252 would otherwise import with every accented letter
 * turned into U+FFFD.
 */
function utf8Checked(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;

  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        done(notUtf8(line + badLineOffset(chunk)));

        return;
      }
      for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) {
        line++;
      }
      done(null, chunk);
    },
    flush(done) {
      try {
        decoder.decode();
        done();
      } catch {
        done(notUtf8(line));
      }
    },
  });
}

/** Lines into `chunk` of the first line that does not decode, judged line by line. */
function badLineOffset(chunk: Buffer): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  // The end of a character begun in the previous chunk is not this chunk's to judge.
  let start = 0;
  while (start < 3 && start < chunk.length && (chunk[start] & 0xc0) === 0x80) {
    start++;
  }
  let offset = 0;
  for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
    try {
      strict.decode(chunk.subarray(start, end));
    } catch {
      return offset;
    }
    start = end + 1;
    offset++;
  }

  return offset;
}

function notUtf8(line: number): UserError {
  return new UserError(
    'dataset_not_utf8',
    `Line ${line} holds bytes that are not UTF-8 (the file may be saved as Latin-1 or ` +
      'Windows-1252); save it as UTF-8 and import it again.',
    422,
    [{ line, message: 'not UTF-8' }],
  );
}

/** Line breaks inside the quoted fields of a record, and how many of them are CRLF. */
function lineBreaks(record: readonly string[]): { lines: number; crlf: number } {
  let lines = 0;
  let crlf = 0;
  for (const cell of record) {
    if (!cell.includes('\n') && !cell.includes('\r')) {
      continue;
    }
    for (let i = 0; i < cell.length; i++) {
      if (cell[i] === '\r' && cell[i + 1] === '\n') {
        crlf++;
        lines++;
        i++;
      } else if (cell[i] === '\n' || cell[i] === '\r') {
        lines++;
      }
    }
  }

  return { lines, crlf };
}

function fieldCountProblem(
  found: number,
  expected: number,
  delimiter: string,
): RawRecord['problem'] {
  const hint =
    found > expected
      ? `; quote values that contain ${delimiter === '\t' ? 'a tab' : `"${delimiter}"`}`
      : '';

  return { message: `expected ${expected} fields as in the header, found ${found}${hint}` };
}

function malformed(error: CsvError, line: number): UserError {
  const tooLong =
    `The record that starts on line ${line} runs past ${MAX_RECORD_CHARS.toLocaleString('en')} ` +
    'characters: a quoted field is never closed or a field is too long; close the quote ' +
    '(double any quote inside a quoted field: "") or shorten the field.';
  const message =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `The quoted field that starts on line ${line} is never closed; close the quote, ` +
        'and double any quote inside a quoted field ("").'
      : error.code === 'CSV_MAX_RECORD_SIZE'
        ? tooLong
        : `The CSV file cannot be read from line ${line}: ${error.message}`;

  return new UserError('dataset_malformed', message, 422, [{ line, message: error.message }]);
}

export function openJsonLines(file: string, knownColumns?: readonly string[]): RecordReader {
  const columns: string[] = [...(knownColumns ?? [])];
  const indexOf = new Map(columns.map((name, i) => [name, i] as const));
  let input: fs.ReadStream | undefined;

  async function* records(): AsyncGenerator<RawRecord> {
    input = fs.createReadStream(file);
    const checked = input.pipe(utf8Checked());
    const lines = readline.createInterface({ input: checked, crlfDelay: Infinity });
    let line = 0;
    let row = 0;
    try {
      for await (const text of lines) {
        line++;
        const body = line === 1 ? stripBom(text) : text;
        if (body.trim() === '') {
          continue;
        }
        row++;
        yield toRecord(body, line, row);
      }
    } finally {
      lines.close();
      checked.destroy();
      input.destroy();
    }
  }

  function toRecord(body: string, line: number, row: number): RawRecord {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      return {
        line,
        row,
        cells: [],
        problem: { message: `not valid JSON: ${(error as Error).message}` },
      };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return {
        line,
        row,
        cells: [],
        problem: { message: 'not a JSON object ({"column": value, …})' },
      };
    }

    const cells: (string | null)[] = new Array(columns.length).fill(null);
    let problem: RawRecord['problem'];
    for (const [key, cell] of Object.entries(value)) {
      let index = indexOf.get(key);
      if (index === undefined) {
        index = columns.push(key) - 1;
        indexOf.set(key, index);
      }
      if (cell !== null && typeof cell === 'object') {
        problem ??= {
          message: `holds a nested ${Array.isArray(cell) ? 'array' : 'object'}; flatten it into columns`,
          column: index + 1,
          field: key,
        };
      }
      cells[index] = cell === null || typeof cell === 'object' ? null : String(cell);
    }

    return problem ? { line, row, cells, problem } : { line, row, cells };
  }

  return { columns, bytesRead: () => input?.bytesRead ?? 0, records };
}

/** The first bytes of a file as text, for format and delimiter detection. */
export async function readHead(file: string, bytes = 64 * 1024): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);

    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** `.jsonl` / `.ndjson` files, and files whose first character opens an object, are JSON lines. */
export function detectFormat(fileName: string, head: string): 'csv' | 'jsonl' {
  const extension = path.extname(fileName).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') {
    return 'jsonl';
  }
  if (extension === '.csv' || extension === '.tsv' || extension === '.txt') {
    return 'csv';
  }

  return stripBom(head).trimStart().startsWith('{') ? 'jsonl' : 'csv';
}
