import { detectDelimiter, firstLine, stripBom } from '../../../src/modules/datasets/delimiter';

describe('detectDelimiter', () => {
  it.each([
    ['recency,history_segment,history,mens', ','],
    ['"age";"job";"marital";"education"', ';'],
    ['id\tname\tcity', '\t'],
    ['\uFEFF"a";"b";"c"', ';'],
  ])('finds the delimiter of %j', (header, expected) => {
    expect(detectDelimiter(header)).toBe(expected);
  });

  it('ignores delimiters inside quoted column names', () => {
    // Two commas inside quotes, two semicolons outside.
    expect(detectDelimiter('"spend, total";"visits, web";"segment"')).toBe(';');
  });

  it('reads a header without any delimiter as one comma-separated column', () => {
    expect(detectDelimiter('email')).toBe(',');
  });

  it('prefers the comma on a tie', () => {
    expect(detectDelimiter('a,b;c')).toBe(',');
  });
});

describe('firstLine and stripBom', () => {
  it('cuts at LF and CRLF and removes a leading byte order mark only', () => {
    expect(firstLine('a;b\r\n1;2\r\n')).toBe('a;b');
    expect(firstLine('a,b\n1,2')).toBe('a,b');
    expect(firstLine('only')).toBe('only');
    expect(stripBom('\uFEFFid')).toBe('id');
    expect(stripBom('i\uFEFFd')).toBe('i\uFEFFd');
  });
});
