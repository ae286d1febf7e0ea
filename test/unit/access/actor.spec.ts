import { actorFor } from '../../../src/modules/access/actor.decorator';

describe('actorFor', () => {
  it('records the key, after the person the body names', () => {
    expect(actorFor({ name: 'ops-console' }, 'maria')).toBe('maria via ops-console');
    expect(actorFor({ name: 'ops-console' }, undefined)).toBe('ops-console');
    expect(actorFor({ name: 'ops-console' }, '   ')).toBe('ops-console');
  });

  it('keeps the body or `api` when the API runs without keys', () => {
    expect(actorFor(undefined, 'maria')).toBe('maria');
    expect(actorFor(undefined, undefined)).toBe('api');
    expect(actorFor(undefined, 42)).toBe('api');
  });

  it('fits the 128 characters an actor is stored in', () => {
    expect(actorFor({ name: 'k'.repeat(100) }, 'm'.repeat(100))).toHaveLength(128);
  });
});
