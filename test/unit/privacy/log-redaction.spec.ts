import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, withoutCustomerIds } from '../../../src/common/logging';

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
    const error = new QueryFailedError(
      'SELECT * FROM "suppressions" WHERE "customerId" = ?',
      ['person21@example.com'],
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

  it('names customer routes without the id', () => {
    expect(
      withoutCustomerIds({
        method: 'DELETE',
        url: '/customers/ann%40example.com?x=1',
        params: { id: 'ann@example.com' },
      }),
    ).toEqual({ method: 'DELETE', url: '/customers/:id?x=:value', params: undefined });
    expect(withoutCustomerIds({ url: '/customers/c-1/export' }).url).toBe('/customers/:id/export');
    expect(
      withoutCustomerIds({ url: '/customers/ivy@example.com/x/customers/jo%40x.org' }).url,
    ).toBe('/customers/:id/x/customers/:id');
    // Routes are case-sensitive, but a mistyped URL is logged too.
    expect(withoutCustomerIds({ url: '/CUSTOMERS/ann@example.com/export' }).url).toBe(
      '/customers/:id/export',
    );
    expect(withoutCustomerIds({ url: '/customers//ann@example.com' }).url).toBe('/customers/:id');
    expect(withoutCustomerIds({ url: '/audit?target=ann@example.com&limit=5' }).url).toBe(
      '/audit?target=:value&limit=:value',
    );
    const other = { url: '/campaigns/c-1', params: { id: 'c-1' } };
    expect(withoutCustomerIds(other)).toBe(other);
  });
});
