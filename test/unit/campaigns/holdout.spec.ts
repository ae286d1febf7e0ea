import { createHash } from 'node:crypto';
import { formatShare, holdoutDraw, inHoldout } from '../../../src/modules/campaigns/holdout';

const ids = Array.from({ length: 100_000 }, (_, i) => `customer-${i}`);

function heldOut(campaignId: string, share: number): Set<string> {
  return new Set(ids.filter((id) => inHoldout(campaignId, id, share)));
}

describe('holdout', () => {
  it('draws a number in [0, 1) that depends only on the campaign and the customer', () => {
    const draw = holdoutDraw('spring', 'customer-7');

    expect(draw).toBeGreaterThanOrEqual(0);
    expect(draw).toBeLessThan(1);
    expect(holdoutDraw('spring', 'customer-7')).toBe(draw);
    expect(holdoutDraw('autumn', 'customer-7')).not.toBe(draw);
    expect(holdoutDraw('spring', 'customer-8')).not.toBe(draw);
  });

  it.each([0.05, 0.1, 0.25, 0.5])('keeps %p of 100,000 customers within 0.5 points', (share) => {
    const size = heldOut('spring', share).size;

    // One standard deviation is at most 0.16 points here; 0.5 points is over three.
    expect(Math.abs(size / ids.length - share)).toBeLessThan(0.005);
  });

  it('is sticky: the same customers on every call, and a larger share only adds customers', () => {
    const tenth = heldOut('spring', 0.1);
    const again = heldOut('spring', 0.1);
    const fifth = heldOut('spring', 0.2);

    expect([...again]).toEqual([...tenth]);
    expect([...tenth].every((id) => fifth.has(id))).toBe(true);
    expect(fifth.size).toBeGreaterThan(tenth.size);
  });

  it('draws another group for another campaign (overlap near share squared)', () => {
    const spring = heldOut('spring', 0.1);
    const autumn = heldOut('autumn', 0.1);
    const both = [...spring].filter((id) => autumn.has(id)).length;

    expect(both / ids.length).toBeGreaterThan(0.007);
    expect(both / ids.length).toBeLessThan(0.013);
  });

  it('draws from the first six bytes of SHA-256 of the campaign and the customer', () => {
    // Fixed by every run so far: the same customers stay held out across versions.
    for (const [campaignId, customerId] of [
      ['spring', 'customer-7'],
      ['5918c393-a445-4fb2-b96a-00b6cc084586', 'C0000042'],
      ['déjà', 'kunde-ü'],
    ]) {
      const digest = createHash('sha256').update(`${campaignId}\u0000${customerId}`).digest();

      expect(holdoutDraw(campaignId, customerId)).toBe(digest.readUIntBE(0, 6) / 2 ** 48);
    }
  });

  it('holds out nobody at share 0', () => {
    expect(heldOut('spring', 0).size).toBe(0);
  });

  it('formats the share for reasons', () => {
    expect(formatShare(0.1)).toBe('10%');
    expect(formatShare(0.025)).toBe('2.5%');
  });
});
