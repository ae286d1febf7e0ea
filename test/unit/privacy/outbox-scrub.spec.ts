import type { ActionData } from '../../../src/modules/delivery/delivery.types';
import {
  customerActions,
  isTombstone,
  scrubMessage,
} from '../../../src/modules/privacy/outbox-scrub';

const AT = '2026-12-05T10:00:00.000Z';

function data(customer: number): ActionData {
  return {
    runId: 'run_1',
    campaignId: 'spring',
    decisionId: `dec_${customer}`,
    customerId: `c-${customer}`,
    action: 'ad',
    params: { creative: 'banner' },
    score: 0.4,
    modelVersion: 'mv_1',
    rule: 'banner',
    personal: { email: `c${customer}@example.com` },
  };
}

const single = (customer: number) =>
  JSON.stringify({
    type: 'action.email',
    timestamp: AT,
    data: { ...data(customer), action: 'email' },
  });

const batch = (...customers: number[]) =>
  JSON.stringify({
    type: 'action.ad.batch',
    timestamp: AT,
    data: { runId: 'run_1', campaignId: 'spring', actions: customers.map(data) },
  });

const ids = (...customers: number[]) => customers.map((c) => `dec_${c}`);

describe('scrubMessage', () => {
  it('deletes an undelivered message about the customer only', () => {
    for (const status of ['pending', 'dead'] as const) {
      expect(scrubMessage({ status, payload: single(1), decisionIds: ids(1) }, 'c-1', AT)).toEqual({
        kind: 'delete',
      });
    }
  });

  it("trims the customer's actions out of an undelivered batch", () => {
    const change = scrubMessage(
      { status: 'pending', payload: batch(1, 2, 3), decisionIds: ids(1, 2, 3) },
      'c-2',
      AT,
    );

    expect(change.kind).toBe('trim');
    const trimmed = change.kind === 'trim' ? change : null;
    expect(trimmed?.decisionIds).toEqual(['dec_1', 'dec_3']);
    expect(trimmed?.payload).not.toContain('c-2');
    expect(trimmed?.payload).not.toContain('c2@example.com');
    expect(JSON.parse(trimmed?.payload ?? '{}').data.actions).toEqual([data(1), data(3)]);
  });

  it('replaces a delivered message by a tombstone that keeps no personal data', () => {
    const change = scrubMessage(
      { status: 'delivered', payload: single(1), decisionIds: ids(1) },
      'c-1',
      AT,
    );

    expect(change).toMatchObject({ kind: 'tombstone', stop: false });
    const payload = change.kind === 'tombstone' ? change.payload : '';
    expect(JSON.parse(payload)).toEqual({
      type: 'action.email',
      timestamp: AT,
      erased: true,
      erasedAt: AT,
      data: { runId: 'run_1', campaignId: 'spring', decisionIds: ['dec_1'] },
    });
    expect(isTombstone(payload)).toBe(true);
    expect(isTombstone(single(1))).toBe(false);
  });

  it('tombstones the customer inside a delivered batch, and stops a message in flight', () => {
    const change = scrubMessage(
      { status: 'in_flight', payload: batch(1, 2), decisionIds: ids(1, 2) },
      'c-1',
      AT,
    );

    expect(change).toMatchObject({ kind: 'tombstone', stop: true });
    const payload = change.kind === 'tombstone' ? change.payload : '';
    expect(JSON.parse(payload).data.actions).toEqual([
      { decisionId: 'dec_1', erased: true },
      data(2),
    ]);
    expect(payload).not.toContain('c1@example.com');
    expect(isTombstone(payload)).toBe(false);

    // The second customer of the batch erased too: nothing live is left.
    const again = scrubMessage({ status: 'delivered', payload, decisionIds: ids(1, 2) }, 'c-2', AT);
    expect(again.kind === 'tombstone' && isTombstone(again.payload)).toBe(true);
  });

  it('keeps messages not about the customer, and tombstones as they are', () => {
    const tombstoned = scrubMessage(
      { status: 'delivered', payload: single(1), decisionIds: ids(1) },
      'c-1',
      AT,
    );
    const payload = tombstoned.kind === 'tombstone' ? tombstoned.payload : '';

    expect(
      scrubMessage({ status: 'pending', payload: batch(1, 2), decisionIds: ids(1, 2) }, 'c-9', AT),
    ).toEqual({ kind: 'keep' });
    expect(scrubMessage({ status: 'delivered', payload, decisionIds: ids(1) }, 'c-1', AT)).toEqual({
      kind: 'keep',
    });
  });
});

describe('customerActions', () => {
  it("finds the customer's actions of a batch, and none in a tombstone", () => {
    expect(customerActions(batch(1, 2, 3), 'c-2')).toEqual([data(2)]);
    expect(customerActions(single(1), 'c-1')).toHaveLength(1);
    expect(customerActions(batch(1), 'c-2')).toEqual([]);
    const change = scrubMessage(
      { status: 'delivered', payload: single(1), decisionIds: ids(1) },
      'c-1',
      AT,
    );
    expect(customerActions(change.kind === 'tombstone' ? change.payload : '', 'c-1')).toEqual([]);
  });
});
