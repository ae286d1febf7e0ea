import type { ActionType, OutgoingAction } from '../../../src/modules/delivery/delivery.types';
import { planDeliveries, RoutableEndpoint } from '../../../src/modules/delivery/planning';

const CREATED = new Date('2026-12-01T09:00:00.000Z');

function action(n: number, type: ActionType, overrides: Partial<OutgoingAction> = {}) {
  return {
    runId: 'run_1',
    campaignId: 'spring',
    decisionId: `dec_${n}`,
    customerId: `c-${n}`,
    type,
    params: { template: 'welcome' },
    score: n / 10,
    modelVersion: 'mv_1',
    ...overrides,
  } satisfies OutgoingAction;
}

function endpoint(id: string, actionTypes: ActionType[], extra: Partial<RoutableEndpoint> = {}) {
  return { id, actionTypes, enabled: true, batchSize: null, ...extra };
}

describe('planDeliveries', () => {
  it('sends each action to every enabled endpoint subscribed to its type', () => {
    const planned = planDeliveries(
      [action(1, 'email'), action(2, 'promo'), action(3, 'social')],
      [
        endpoint('ep_mail', ['email']),
        endpoint('ep_all', ['email', 'promo']),
        endpoint('ep_off', ['email', 'promo', 'social'], { enabled: false }),
      ],
      CREATED,
    );

    expect(planned.map((p) => [p.endpointId, p.decisionIds[0]])).toEqual([
      ['ep_mail', 'dec_1'],
      ['ep_all', 'dec_1'],
      ['ep_all', 'dec_2'],
    ]);
  });

  it('wraps a single action in the documented envelope', () => {
    const [planned] = planDeliveries(
      [action(7, 'email', { rule: 'high-value' })],
      [endpoint('ep', ['email'])],
      CREATED,
    );

    expect(planned).toMatchObject({
      endpointId: 'ep',
      actionType: 'email',
      runId: 'run_1',
      campaignId: 'spring',
      decisionIds: ['dec_7'],
    });
    expect(planned.envelope).toEqual({
      type: 'action.email',
      timestamp: '2026-12-01T09:00:00.000Z',
      data: {
        runId: 'run_1',
        campaignId: 'spring',
        decisionId: 'dec_7',
        customerId: 'c-7',
        action: 'email',
        params: { template: 'welcome' },
        score: 0.7,
        modelVersion: 'mv_1',
        rule: 'high-value',
      },
    });
  });

  it('groups ad actions into messages of at most the batch size, in order', () => {
    const ads = [1, 2, 3, 4, 5].map((n) => action(n, 'ad'));
    const planned = planDeliveries(
      ads,
      [endpoint('ep_ads', ['ad'], { batchSize: 2 }), endpoint('ep_single', ['ad'])],
      CREATED,
    );
    const batched = planned.filter((p) => p.endpointId === 'ep_ads');

    expect(batched.map((p) => p.decisionIds)).toEqual([
      ['dec_1', 'dec_2'],
      ['dec_3', 'dec_4'],
      ['dec_5'],
    ]);
    expect(batched[0].envelope.type).toBe('action.ad.batch');
    expect(batched[0].envelope.data).toMatchObject({ runId: 'run_1', campaignId: 'spring' });
    expect(planned.filter((p) => p.endpointId === 'ep_single')).toHaveLength(5);
  });

  it('never mixes campaigns in one ad message', () => {
    const planned = planDeliveries(
      [action(1, 'ad'), action(2, 'ad', { campaignId: 'autumn' }), action(3, 'ad')],
      [endpoint('ep_ads', ['ad'], { batchSize: 10 })],
      CREATED,
    );

    expect(planned.map((p) => [p.campaignId, p.decisionIds])).toEqual([
      ['spring', ['dec_1', 'dec_3']],
      ['autumn', ['dec_2']],
    ]);
  });

  it('batches only ads, even for an endpoint with a batch size', () => {
    const planned = planDeliveries(
      [action(1, 'email'), action(2, 'email')],
      [endpoint('ep', ['ad', 'email'], { batchSize: 50 })],
      CREATED,
    );

    expect(planned.map((p) => p.envelope.type)).toEqual(['action.email', 'action.email']);
  });

  it('plans nothing for actions no one subscribes to', () => {
    expect(planDeliveries([action(1, 'social')], [endpoint('ep', ['email'])], CREATED)).toEqual([]);
  });
});
