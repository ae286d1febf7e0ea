import { ConflictError } from '../../../src/common/errors';
import {
  championStack,
  planPromotion,
  planRollback,
  PromotionRecord,
  VersionStatus,
} from '../../../src/modules/models/promotion';

/** Applies plans to version states and history the way the registry does. */
function simulate(count: number) {
  const statuses = new Map<number, VersionStatus>();
  for (let v = 1; v <= count; v++) statuses.set(v, 'candidate');
  const history: PromotionRecord[] = [];
  const versions = () => [...statuses].map(([version, status]) => ({ version, status }));
  const apply = (plan: ReturnType<typeof planPromotion>) => {
    if (plan.fromVersion !== null) statuses.set(plan.fromVersion, 'retired');
    statuses.set(plan.toVersion, 'champion');
    history.push(plan);
  };

  return {
    statuses,
    history,
    promote: (target: number) => apply(planPromotion('churn', versions(), target)),
    rollback: () => apply(planRollback('churn', versions(), history)),
    champion: () => versions().find((v) => v.status === 'champion')?.version ?? null,
  };
}

describe('promotion and rollback', () => {
  it('keeps exactly one champion and retires the one it replaces', () => {
    const model = simulate(3);
    model.promote(1);
    model.promote(3);

    expect(model.champion()).toBe(3);
    expect([...model.statuses]).toEqual([
      [1, 'retired'],
      [2, 'candidate'],
      [3, 'champion'],
    ]);
    expect(model.history).toEqual([
      { action: 'promote', fromVersion: null, toVersion: 1 },
      { action: 'promote', fromVersion: 1, toVersion: 3 },
    ]);
  });

  it('walks back through earlier champions, one rollback at a time', () => {
    const model = simulate(3);
    model.promote(1);
    model.promote(2);
    model.promote(3);

    model.rollback();
    expect(model.champion()).toBe(2);
    expect(model.statuses.get(3)).toBe('retired');

    model.rollback();
    expect(model.champion()).toBe(1);

    expect(() => model.rollback()).toThrow(ConflictError);
    expect(model.champion()).toBe(1);
  });

  it('rolls back to the version promoted before, even if it was promoted twice', () => {
    const model = simulate(2);
    model.promote(1);
    model.promote(2);
    model.promote(1);

    expect(championStack(model.history)).toEqual([1, 2, 1]);
    model.rollback();
    expect(model.champion()).toBe(2);
  });

  it('refuses to promote the champion again or roll back without an earlier one', () => {
    const model = simulate(2);

    expect(() => model.rollback()).toThrow(/no champion to roll back from/);
    model.promote(2);
    expect(() => model.promote(2)).toThrow(/already the champion/);
    expect(() => model.rollback()).toThrow(/no earlier champion than version 2/);
  });
});
