import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/**
 * Corpus inputs too big to keep in the repository, made at test time in a temporary folder.
 * A generator gives a file to upload (`file`) or a request body to send as it is (`body`),
 * with any headers the body needs.
 */
export interface GeneratedInput {
  readonly file?: string;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Generator = (dir: string) => GeneratedInput;

const MB = 1024 * 1024;
const CITIES = ['Porto', 'Lisbon', 'Faro', 'Braga', 'Coimbra'];

function csvRow(i: number): string {
  const amount = 100 + ((i * 37) % 900);

  return `${20 + (i % 50)},${CITIES[i % 5]},${amount},${i % 3 === 0 ? 'yes' : 'no'}`;
}

/** A CSV file whose third line holds one field of `megabytes` MB, quoted or not. */
function longField(dir: string, name: string, megabytes: number, quoted: boolean): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `age,city,amount,y\n${csvRow(1)}\n21,${quoted ? '"' : ''}`);
    const chunk = Buffer.alloc(MB, 'a');
    for (let i = 0; i < megabytes; i++) {
      fs.writeSync(fd, chunk);
    }
    fs.writeSync(fd, `${quoted ? '"' : ''},300,no\n${csvRow(3)}\n`);
  } finally {
    fs.closeSync(fd);
  }

  return file;
}

/** The smallest rule that passes validation, `n` of them, as a rules document. */
function compactRules(n: number): string {
  const rules = Array.from({ length: n }, (_, i) => ({
    name: `r${i}`,
    conditions: { all: [{ fact: 'score', operator: 'greaterThan', value: 0 }] },
    event: { type: 'email' },
  }));

  return JSON.stringify({ rules });
}

/** `{"all":[` … `]}` nested `levels` deep around one comparison (too deep for JSON.stringify). */
function nestedConditions(levels: number): string {
  const leaf = '{"fact":"age","operator":"greaterThan","value":30}';

  return `${'{"all":['.repeat(levels)}${leaf}${']}'.repeat(levels)}`;
}

export const GENERATORS: Readonly<Record<string, Generator>> = {
  /** 100 MB in one unquoted field. */
  hugeField: (dir) => ({ file: longField(dir, 'huge-field.csv', 100, false) }),

  /** 2 MB in one quoted (and closed) field. */
  longQuotedField: (dir) => ({ file: longField(dir, 'long-quoted-field.csv', 2, true) }),

  /** 10,000 columns, 30 rows of numbers, and a target. */
  tenThousandColumns: (dir) => {
    const file = path.join(dir, 'ten-thousand-columns.csv');
    const names = Array.from({ length: 9_999 }, (_, i) => `c${i}`);
    const lines = [[...names, 'y'].join(',')];
    for (let row = 1; row <= 30; row++) {
      const cells = names.map((_, i) => String((row * 31 + i * 7) % 100));
      lines.push([...cells, row % 3 === 0 ? 'yes' : 'no'].join(','));
    }
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    return { file };
  },

  /** 10,000 rules: beyond the body limit before any rule is read. */
  tenThousandRules: () => ({ body: compactRules(10_000) }),

  /** 600 small rules: within the body limit, beyond the 500 rules a campaign may have. */
  sixHundredRules: () => ({ body: compactRules(600) }),

  /** Conditions 5,000 levels deep: deeper than any recursive step may go. */
  conditionsFiveThousandDeep: () => {
    const rule = `{"name":"deep","event":{"type":"email"},"conditions":${nestedConditions(5_000)}}`;

    return { body: `{"rules":[${rule}]}` };
  },

  /** An audience 2,000 levels deep in a new campaign. */
  audienceTwoThousandDeep: () => ({
    body: `{"name":"deep-audience","modelName":"bank","audience":${nestedConditions(2_000)}}`,
  }),

  /** An `in` list of 50,000 values. */
  hugeInList: () => ({
    body: JSON.stringify({
      rules: [
        {
          name: 'huge-in',
          conditions: {
            all: [
              {
                fact: 'job',
                operator: 'in',
                value: Array.from({ length: 50_000 }, (_, i) => `j${i}`),
              },
            ],
          },
          event: { type: 'email' },
        },
      ],
    }),
  }),

  /** A campaign with a 2 MB description: beyond the 1 MB body limit. */
  oversizedCampaign: () => ({
    body: JSON.stringify({ name: 'big', modelName: 'bank', description: 'x'.repeat(2 * MB) }),
  }),

  /** 64 MB of spaces gzipped to a few kB: the limit counts the inflated bytes. */
  gzipBomb: () => ({
    body: zlib.gzipSync(Buffer.alloc(64 * MB, ' ')),
    headers: { 'content-encoding': 'gzip' },
  }),

  /** A body whose encoding the server does not know. */
  unknownEncoding: () => ({
    body: '{"name":"enc","modelName":"bank"}',
    headers: { 'content-encoding': 'compress' },
  }),

  /** A score request gzipped, its coding named in capitals: names are case-insensitive. */
  gzipCapitals: () => ({
    body: zlib.gzipSync(JSON.stringify({ model: 'bank', customer: { age: 41 } })),
    headers: { 'content-encoding': 'GZIP' },
  }),

  /** A score request sent as it is, with the coding that says so. */
  identityEncoding: () => ({
    body: JSON.stringify({ model: 'bank', customer: { age: 41 } }),
    headers: { 'content-encoding': 'identity' },
  }),

  /** JSON in Latin-1, its charset parameter in capitals. */
  latin1Capitals: () => ({
    body: Buffer.from('{"name":"caf\u00e9","modelName":"bank"}', 'latin1'),
    headers: { 'content-type': 'application/json; CHARSET=ISO-8859-1' },
  }),

  /** A multipart upload gzipped as a whole: uploads are read as they come, so refused. */
  gzippedUpload: () => {
    const boundary = 'corpusboundary';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n` +
          'Content-Type: text/csv\r\n\r\n',
      ),
      Buffer.from(
        ['age,city,amount,active', ...Array.from({ length: 2000 }, (_, i) => csvRow(i))].join('\n'),
      ),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);

    return {
      body: zlib.gzipSync(form),
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-encoding': 'gzip',
      },
    };
  },

  /** A body in a character set nobody knows. */
  unknownCharset: () => ({
    body: '{"name":"charset","modelName":"bank"}',
    headers: { 'content-type': 'application/json; charset=x-unheard-of' },
  }),

  /** Gzip headers over bytes that are not gzip. */
  corruptGzip: () => ({
    body: Buffer.from('this is not gzip at all'),
    headers: { 'content-encoding': 'gzip' },
  }),

  /** 1,001 events in one request: one more than allowed. */
  thousandAndOneEvents: () => ({
    body: JSON.stringify(
      Array.from({ length: 1_001 }, (_, i) => ({
        id: `evt-${i}`,
        customerId: 'bank:1',
        type: 'opened',
        occurredAt: '2026-01-15T10:00:00Z',
      })),
    ),
  }),

  /** An event whose value nests 1,000 arrays. */
  deepEvent: () => {
    const event = {
      id: 'evt-deep',
      customerId: 'bank:1',
      type: 'opened',
      occurredAt: '2026-01-15T10:00:00Z',
    };
    const value = `${'['.repeat(1_000)}${']'.repeat(1_000)}`;

    return { body: `${JSON.stringify(event).slice(0, -1)},"value":${value}}` };
  },
};
