import { personalPayload } from '../privacy/personal-columns';
import type { ActionData, ActionType, DeliveryEnvelope, OutgoingAction } from './delivery.types';

/** What routing needs to know about an endpoint. */
export interface RoutableEndpoint {
  readonly id: string;
  readonly actionTypes: readonly ActionType[];
  readonly enabled: boolean;
  /** Customers per `ad` message; `null` or 1 sends one message per ad action. */
  readonly batchSize: number | null;
  /** The personal attributes this endpoint receives; none when absent or empty. */
  readonly includePersonal?: readonly string[];
}

/** One message to write to the outbox. */
export interface PlannedDelivery {
  readonly endpointId: string;
  readonly actionType: ActionType;
  readonly runId: string;
  readonly campaignId: string;
  readonly decisionIds: readonly string[];
  readonly envelope: DeliveryEnvelope;
}

/**
 * Routes each action to every enabled endpoint subscribed to its type. `ad` actions for an
 * endpoint with a batch size are grouped, in their given order, into messages of at most that
 * many customers; a message never mixes runs or campaigns, so each delivery traces to one.
 */
export function planDeliveries(
  actions: readonly OutgoingAction[],
  endpoints: readonly RoutableEndpoint[],
  createdAt: Date,
): PlannedDelivery[] {
  const timestamp = createdAt.toISOString();
  const subscribers = new Map<ActionType, RoutableEndpoint[]>();
  for (const endpoint of endpoints.filter((e) => e.enabled)) {
    for (const type of new Set(endpoint.actionTypes)) {
      const list = subscribers.get(type) ?? [];
      list.push(endpoint);
      subscribers.set(type, list);
    }
  }

  const planned: PlannedDelivery[] = [];
  const batches = new Map<string, { endpoint: RoutableEndpoint; actions: ActionData[] }>();
  for (const action of actions) {
    const common = actionData(action);
    for (const endpoint of subscribers.get(action.type) ?? []) {
      const data = withPersonal(common, action, endpoint);
      if (action.type !== 'ad' || (endpoint.batchSize ?? 1) <= 1) {
        planned.push({
          endpointId: endpoint.id,
          actionType: action.type,
          runId: action.runId,
          campaignId: action.campaignId,
          decisionIds: [action.decisionId],
          envelope: { type: `action.${action.type}`, timestamp, data },
        });
        continue;
      }

      const key = JSON.stringify([endpoint.id, action.runId, action.campaignId]);
      const batch = batches.get(key) ?? { endpoint, actions: [] };
      batch.actions.push(data);
      batches.set(key, batch);
      if (batch.actions.length === endpoint.batchSize) {
        planned.push(adBatch(batch.endpoint.id, batch.actions, timestamp));
        batches.delete(key);
      }
    }
  }

  for (const batch of batches.values()) {
    planned.push(adBatch(batch.endpoint.id, batch.actions, timestamp));
  }

  return planned;
}

function actionData(action: OutgoingAction): ActionData {
  return {
    runId: action.runId,
    campaignId: action.campaignId,
    decisionId: action.decisionId,
    customerId: action.customerId,
    action: action.type,
    params: action.params,
    score: action.score,
    modelVersion: action.modelVersion,
    rule: action.rule ?? null,
  };
}

/** The action's data with the personal attributes the endpoint lists, if it lists any. */
function withPersonal(
  data: ActionData,
  action: OutgoingAction,
  endpoint: RoutableEndpoint,
): ActionData {
  const personal = personalPayload(action.attributes, endpoint.includePersonal);

  return personal === undefined ? data : { ...data, personal };
}

function adBatch(endpointId: string, actions: ActionData[], timestamp: string): PlannedDelivery {
  const { runId, campaignId } = actions[0];

  return {
    endpointId,
    actionType: 'ad',
    runId,
    campaignId,
    decisionIds: actions.map((a) => a.decisionId),
    envelope: { type: 'action.ad.batch', timestamp, data: { runId, campaignId, actions } },
  };
}
