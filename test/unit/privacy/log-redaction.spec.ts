import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, withoutCustomerIds } from '../../../src/common/logging';

describe('logs without personal data', () => {
  it('redacts the parameters of a failed statement, which carry attributes', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ logLevel: 'info', logPretty: false }, sink);
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

  it('names customer routes without the id', () => {
    expect(
      withoutCustomerIds({
        method: 'DELETE',
        url: '/customers/ann%40example.com?x=1',
        params: { id: 'ann@example.com' },
      }),
    ).toEqual({ method: 'DELETE', url: '/customers/:id?x=1', params: undefined });
    expect(withoutCustomerIds({ url: '/customers/c-1/export' }).url).toBe('/customers/:id/export');
    expect(
      withoutCustomerIds({ url: '/customers/ivy@example.com/x/customers/jo%40x.org' }).url,
    ).toBe('/customers/:id/x/customers/:id');
    const other = { url: '/campaigns/c-1', params: { id: 'c-1' } };
    expect(withoutCustomerIds(other)).toBe(other);
  });
});
