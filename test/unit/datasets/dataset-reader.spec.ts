import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../../src/common/errors';
import {
  detectFormat,
  openCsv,
  openJsonLines,
  RawRecord,
  RecordReader,
} from '../../../src/modules/datasets/dataset-reader';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-reader-'));
const write = (name: string, text: string): string => {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);

  return file;
};
const readAll = async (reader: RecordReader): Promise<RawRecord[]> => {
  const records: RawRecord[] = [];
  for await (const record of reader.records()) {
    records.push(record);
  }

  return records;
};

afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

describe('openCsv', () => {
  it('numbers records by the line they start on, across quoted line breaks and blank lines', async () => {
    const file = write('multi.csv', 'id,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\r\n3,"a, b"\r\n');
    const reader = openCsv(file, ',');
    const records = await readAll(reader);

    expect(reader.columns).toEqual(['id', 'note']);
    expect(records.map((r) => [r.line, r.row, r.cells[1]])).toEqual([
      [2, 1, 'two\r\nlines'],
      [5, 2, 'plain'],
      [6, 3, 'a, b'],
    ]);
    expect(reader.bytesRead()).toBe(fs.statSync(file).size);
  });

  it('flags a record with the wrong number of fields instead of failing', async () => {
    const records = await readAll(openCsv(write('short.csv', 'a;b;c\n1;2;3\n4;5\n'), ';'));

    expect(records[1].problem?.message).toBe('expected 3 fields as in the header, found 2');
    expect(records[0].problem).toBeUndefined();
  });

  it('fails on an unclosed quote, naming the line where it opens', async () => {
    const reader = openCsv(write('open.csv', 'a,b\n1,2\n3,"x\n4,5\n'), ',');
    const error = await readAll(reader).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('dataset_malformed');
    expect((error as UserError).details[0].line).toBe(3);
  });

  it('counts lines right after a quoted CRLF when a later quote is left open', async () => {
    const reader = openCsv(write('open-crlf.csv', 'a,b\r\n1,"x\r\ny"\r\n3,"open\r\n4,5\r\n'), ',');
    const error = (await readAll(reader).catch((e: unknown) => e)) as UserError;

    expect(error.message).toContain('starts on line 4');
  });
});

describe('openJsonLines', () => {
  it('adds keys as they appear and flags lines that are not flat JSON objects', async () => {
    const file = write(
      'rows.jsonl',
      '\uFEFF{"id":"a","n":1}\n\n{"id":"b","tags":["x"]}\r\n[1,2]\n{"id":"c","n":null,"late":true}\n',
    );
    const reader = openJsonLines(file);
    const records = await readAll(reader);

    expect(reader.columns).toEqual(['id', 'n', 'tags', 'late']);
    expect(records.map((r) => r.line)).toEqual([1, 3, 4, 5]);
    expect(records[0].cells).toEqual(['a', '1']);
    expect(records[1].problem).toMatchObject({ column: 3, field: 'tags' });
    expect(records[2].problem?.message).toContain('not a JSON object');
    expect(records[3].cells).toEqual(['c', null, null, 'true']);
  });
});

describe('detectFormat', () => {
  it('goes by the extension, then by the first character', () => {
    expect(detectFormat('events.ndjson', 'a,b')).toBe('jsonl');
    expect(detectFormat('bank.csv', '{"a":1}')).toBe('csv');
    expect(detectFormat('upload', '\uFEFF  {"a":1}')).toBe('jsonl');
    expect(detectFormat('upload', '"age";"job"')).toBe('csv');
  });
});
