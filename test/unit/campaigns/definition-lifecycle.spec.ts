import { UserError } from '../../../src/common/errors';
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_TRANSITIONS,
  CampaignStatus,
  CampaignTransition,
  checkActivation,
  checkDeletable,
  checkEditable,
  definitionEditable,
  nextStatus,
} from '../../../src/modules/campaigns/campaign-lifecycle';

function thrown(work: () => unknown): UserError {
  try {
    work();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('campaign lifecycle', () => {
  const expected: Record<CampaignStatus, Partial<Record<CampaignTransition, CampaignStatus>>> = {
    draft: { activate: 'active', archive: 'archived' },
    active: { pause: 'paused', archive: 'archived' },
    paused: { activate: 'active', archive: 'archived' },
    archived: {},
  };
  const cases = CAMPAIGN_STATUSES.flatMap((from) =>
    CAMPAIGN_TRANSITIONS.map((transition) => ({
      from,
      transition,
      to: expected[from][transition] ?? null,
    })),
  );

  it.each(cases)('$from + $transition → $to', ({ from, transition, to }) => {
    if (to) {
      expect(nextStatus(from, transition)).toBe(to);

      return;
    }
    const error = thrown(() => nextStatus(from, transition));

    expect(error.code).toBe('campaign_transition_invalid');
    expect(error.status).toBe(409);
    const target = { activate: 'active', pause: 'paused', archive: 'archived' }[transition];
    expect(error.message).toContain(`from "${from}" to "${target}"`);
    expect(error.details[0]).toMatchObject({ path: '$.status', from, to: target });
  });

  it('allows exactly six transitions and none out of archived', () => {
    expect(cases.filter((c) => c.to !== null)).toHaveLength(6);
    expect(thrown(() => nextStatus('archived', 'activate')).message).toContain(
      '"archived" is final',
    );
    expect(thrown(() => nextStatus('draft', 'pause')).message).toContain(
      'from "draft" it can go to "active" or "archived"',
    );
  });

  it('lets rules, audience and model change in draft and paused only', () => {
    expect(CAMPAIGN_STATUSES.filter(definitionEditable)).toEqual(['draft', 'paused']);
    expect(() => checkEditable('paused', ['rules'])).not.toThrow();
    expect(() => checkEditable('active', [])).not.toThrow();

    const active = thrown(() => checkEditable('active', ['rules', 'modelName']));
    expect([active.code, active.status]).toEqual(['campaign_not_editable', 409]);
    expect(active.details.map((d) => d.path)).toEqual(['$.rules', '$.modelName']);
    expect(active.message).toBe(
      'The rules, modelName of an active campaign cannot change; pause it first.',
    );
    expect(thrown(() => checkEditable('archived', [])).code).toBe('campaign_archived');
  });

  it('deletes drafts only', () => {
    expect(() => checkDeletable('draft')).not.toThrow();
    for (const status of ['active', 'paused', 'archived'] as const) {
      expect(thrown(() => checkDeletable(status)).code).toBe('campaign_not_deletable');
    }
  });

  it('activates only with a champion and at least one rule', () => {
    const ready = { modelName: 'bank', hasChampion: true, ruleCount: 1 };

    expect(() => checkActivation(ready)).not.toThrow();
    const noChampion = thrown(() => checkActivation({ ...ready, hasChampion: false }));
    expect([noChampion.code, noChampion.status]).toEqual(['campaign_model_has_no_champion', 409]);
    expect(noChampion.message).toContain('"bank"');
    expect(thrown(() => checkActivation({ ...ready, ruleCount: 0 })).code).toBe(
      'campaign_has_no_rules',
    );
  });
});
