import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, statementForLog, urlForLog } from '../../../src/common/logging';

/** Bullseye's logger, writing its lines into `lines`. */
function capturedLogger(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });

  return { lines, logger: createLogger({ logLevel: 'info', logPretty: false }, sink) };
}

describe('logs without personal data', () => {
  it('redacts the parameters of a failed statement, which carry attributes', () => {
    const { lines, logger } = capturedLogger();
    const error = new QueryFailedError(
      'INSERT INTO "customers" ("id", "attributes") VALUES (?, ?)',
      ['c-1', '{"email":"ann@example.com"}'],
      new Error('SQLITE_FULL: database or disk is full'),
    );

    logger.error({ err: error }, 'Unexpected error');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SQLITE_FULL');
    expect(lines[0]).not.toContain('ann@example.com');
    expect(JSON.parse(lines[0]).err.parameters).toBe('[Redacted]');
  });

  it("leaves out the database driver's stack, which holds the values bound", () => {
    const { lines, logger } = capturedLogger();
    const driverError = Object.assign(new Error('SQLITE_ERROR: no such table: suppressions'), {
      code: 'SQLITE_ERROR',
      errno: 1,
    });
    // What sqlite3 (verbose) appends to the stack of a failed statement.
    driverError.stack +=
      '\n--> in Database#all(\'SELECT * FROM "suppressions" WHERE "customerId" = ?\', ' +
      "[ 'person21@example.com' ], [Function])";
    // Batched inserts carry short values in their text.
    const error = new QueryFailedError(
      `INSERT INTO "suppressions" ("customer_id", "reason") VALUES ('person21@example.com', ?)`,
      ['do_not_contact'],
      driverError,
    );

    logger.error(
      { err: new Error('Could not suppress', { cause: driverError }) },
      'Unexpected error',
    );
    logger.error({ err: error }, 'Unexpected error');

    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain('person21');
    const logged = JSON.parse(lines[1]).err;
    expect(logged.driverError).toEqual({
      type: 'Error',
      message: 'SQLITE_ERROR: no such table: suppressions',
      code: 'SQLITE_ERROR',
      errno: 1,
    });
    expect(logged.stack).toContain('QueryFailedError');
    expect(JSON.parse(lines[0]).err.stack).toContain('caused by: Error: SQLITE_ERROR');
  });

  it('names the route matched, not the URL, and no query value', () => {
    expect(urlForLog('/customers/ann%40example.com/export?x=1', '/customers/:id/export')).toBe(
      '/customers/:id/export?x=…',
    );
    expect(urlForLog('/customers/ann@example.com/export#ann', '/customers/:id/export')).toBe(
      '/customers/:id/export',
    );
    expect(urlForLog('/audit?target=ann@example.com&limit=5&ann@example.com&=x', '/audit')).toBe(
      '/audit?target=…&limit=…&…&…',
    );
  });

  it('shows of a URL no route matches its first segment, if a plain name', () => {
    expect(urlForLog('/CUSTOMERS/ann@example.com/export')).toBe('/CUSTOMERS/…');
    expect(urlForLog('/customers%2Fann%40example.com/export')).toBe('/…');
    expect(urlForLog('/customers;ann@example.com')).toBe('/…');
    expect(urlForLog('/ann@example.com?v=1')).toBe('/…?v=…');
    expect(urlForLog('/models')).toBe('/models');
    // Ids are seldom letters only: a segment or key with a digit is not shown.
    expect(urlForLog('/CUST98765/export?x')).toBe('/…?x');
    expect(urlForLog('/customers/c-1/export?CUST12345', '/customers/:id/export')).toBe(
      '/customers/:id/export?…',
    );
  });

  it('logs whatever was thrown, null included, without failing', () => {
    const { lines, logger } = capturedLogger();

    logger.error({ err: null, req: null }, 'Unexpected error');
    logger.error({ err: 'a string' }, 'Unexpected error');

    expect(lines.map((line) => JSON.parse(line).err)).toEqual([null, 'a string']);
  });

  it('keeps the values out of the text of a failed statement', () => {
    expect(
      statementForLog(
        `INSERT INTO "decisions" ("id", "customer_id") VALUES ('d-1', 'ann@example.com'), (?, ?)`,
      ),
    ).toBe('INSERT INTO "decisions" ("id", "customer_id") VALUES …');
    expect(
      statementForLog(
        `UPDATE "customers" SET "age" = 41, "note" = 'it''s ann' WHERE "id" = ?1 AND "v2" = -3.5e2`,
      ),
    ).toBe('UPDATE "customers" SET "age" = ?, "note" = ? WHERE "id" = ?1 AND "v2" = ?');
  });
});
