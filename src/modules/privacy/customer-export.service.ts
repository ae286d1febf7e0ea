import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import { DecisionEntity, decisionView, DecisionView } from '../campaigns/decision.entity';
import { Suppression, SuppressionEntity, suppressionView } from '../campaigns/suppression.entity';
import type { CustomerAttributes } from '../datasets/dataset-schema';
import type { ActionData, ActionType, DeliveryStatus } from '../delivery/delivery.types';
import { ScoreEntity } from '../scoring/entities/score.entity';
import { scoreView, StoredScore } from '../scoring/scoring-views';
import { checkCustomerId } from './erasure.service';
import { customerActions } from './outbox-scrub';

/** Everything Bullseye holds about one customer, as one JSON document (right of access). */
export interface CustomerExport {
  readonly customerId: string;
  readonly exportedAt: string;
  /** The customer's attributes as the latest import that named them wrote them. */
  readonly customer: {
    readonly attributes: CustomerAttributes;
    readonly datasetId: string | null;
    readonly createdAt: string;
    readonly updatedAt: string;
  } | null;
  /** The customer's row in every dataset that holds them, as imported. */
  readonly datasetRecords: {
    readonly datasetId: string;
    readonly datasetName: string | null;
    readonly rowNumber: number;
    readonly label: 0 | 1 | null;
    readonly attributes: CustomerAttributes;
  }[];
  readonly scores: StoredScore[];
  readonly decisions: DecisionView[];
  readonly contacts: {
    readonly decisionId: string;
    readonly action: ActionType;
    readonly campaignId: string;
    readonly at: string;
  }[];
  readonly outcomes: {
    readonly origin: string;
    readonly eventId: string;
    readonly type: string;
    readonly occurredAt: string;
    readonly decisionId: string | null;
    readonly deliveryId: string | null;
    readonly value: number | null;
    readonly receivedAt: string;
  }[];
  /** Messages about the customer, with only the customer's parts of a batch. */
  readonly deliveries: {
    readonly id: string;
    readonly endpointId: string;
    readonly actionType: string;
    readonly status: DeliveryStatus;
    readonly attempts: number;
    readonly createdAt: string;
    readonly deliveredAt: string | null;
    readonly actions: ActionData[];
  }[];
  readonly suppression: Suppression | null;
}

/** The export of one customer's data, read in one unit of work so that it is consistent. */
@Injectable()
export class CustomerExportService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * @throws UserError `customer_id_invalid`; NotFoundError `customer_not_found` when
   *   nothing is held about the customer.
   */
  async export(customerId: string): Promise<CustomerExport> {
    checkCustomerId(customerId);

    const document = await inTransaction(this.dataSource, (manager) =>
      this.read(manager, customerId),
    );
    const empty =
      document.customer === null &&
      document.suppression === null &&
      [
        document.datasetRecords,
        document.scores,
        document.decisions,
        document.contacts,
        document.outcomes,
        document.deliveries,
      ].every((list) => list.length === 0);
    if (empty) {
      throw new NotFoundError('customer', customerId);
    }

    return document;
  }

  private async read(manager: EntityManager, customerId: string): Promise<CustomerExport> {
    const [customer]: {
      attributes: string;
      dataset_id: string | null;
      created_at: string;
      updated_at: string;
    }[] = await manager.query(
      `SELECT "attributes", "dataset_id", "created_at", "updated_at" FROM "customers"
       WHERE "id" = ?`,
      [customerId],
    );
    const records: {
      dataset_id: string;
      name: string | null;
      row_number: number;
      label: 0 | 1 | null;
      attributes: string;
    }[] = await manager.query(
      `SELECT r."dataset_id", d."name", r."row_number", r."label", r."attributes"
       FROM "dataset_records" r LEFT JOIN "datasets" d ON d."id" = r."dataset_id"
       WHERE r."customer_id" = ? ORDER BY d."created_at", r."dataset_id", r."row_number"`,
      [customerId],
    );
    const scores = await manager
      .getRepository(ScoreEntity)
      .find({ where: { customerId }, order: { modelName: 'ASC' } });
    const decisions = await manager
      .getRepository(DecisionEntity)
      .find({ where: { customerId }, order: { decidedAt: 'ASC', id: 'ASC' } });
    const suppression = await manager.getRepository(SuppressionEntity).findOneBy({ customerId });

    return {
      customerId,
      exportedAt: new Date().toISOString(),
      customer: customer
        ? {
            attributes: JSON.parse(customer.attributes) as CustomerAttributes,
            datasetId: customer.dataset_id,
            createdAt: customer.created_at,
            updatedAt: customer.updated_at,
          }
        : null,
      datasetRecords: records.map((row) => ({
        datasetId: row.dataset_id,
        datasetName: row.name,
        rowNumber: row.row_number,
        label: row.label,
        attributes: JSON.parse(row.attributes) as CustomerAttributes,
      })),
      scores: scores.map(scoreView),
      decisions: decisions.map(decisionView),
      contacts: await this.contacts(manager, customerId),
      outcomes: await this.outcomes(manager, customerId),
      deliveries: await this.deliveries(manager, customerId),
      suppression: suppression ? suppressionView(suppression) : null,
    };
  }

  private async contacts(manager: EntityManager, customerId: string) {
    const rows: { decision_id: string; action: ActionType; campaign_id: string; at: string }[] =
      await manager.query(
        `SELECT "decision_id", "action", "campaign_id", "at" FROM "contacts"
         WHERE "customer_id" = ? ORDER BY "at", "decision_id"`,
        [customerId],
      );

    return rows.map((row) => ({
      decisionId: row.decision_id,
      action: row.action,
      campaignId: row.campaign_id,
      at: row.at,
    }));
  }

  private async outcomes(manager: EntityManager, customerId: string) {
    const rows: {
      origin: string;
      event_id: string;
      type: string;
      occurred_at: number;
      decision_id: string | null;
      delivery_id: string | null;
      value: number | null;
      received_at: number;
    }[] = await manager.query(
      `SELECT "origin", "event_id", "type", "occurred_at", "decision_id", "delivery_id",
         "value", "received_at"
       FROM "outcome_events" WHERE "customer_id" = ? ORDER BY "occurred_at", "seq"`,
      [customerId],
    );

    return rows.map((row) => ({
      origin: row.origin,
      eventId: row.event_id,
      type: row.type,
      occurredAt: new Date(Number(row.occurred_at)).toISOString(),
      decisionId: row.decision_id,
      deliveryId: row.delivery_id,
      value: row.value,
      receivedAt: new Date(Number(row.received_at)).toISOString(),
    }));
  }

  private async deliveries(manager: EntityManager, customerId: string) {
    const rows: {
      id: string;
      endpoint_id: string;
      action_type: string;
      status: DeliveryStatus;
      attempts: number;
      created_at: number;
      delivered_at: number | null;
      payload: string;
    }[] = await manager.query(
      `SELECT "id", "endpoint_id", "action_type", "status", "attempts", "created_at",
         "delivered_at", "payload"
       FROM "deliveries" d
       WHERE EXISTS (SELECT 1 FROM json_each(d."decision_ids") j
         WHERE j."value" IN (SELECT "id" FROM "decisions" WHERE "customer_id" = ?))
       ORDER BY "created_at", "id"`,
      [customerId],
    );

    return rows
      .map((row) => ({
        id: row.id,
        endpointId: row.endpoint_id,
        actionType: row.action_type,
        status: row.status,
        attempts: row.attempts,
        createdAt: new Date(Number(row.created_at)).toISOString(),
        deliveredAt:
          row.delivered_at === null ? null : new Date(Number(row.delivered_at)).toISOString(),
        actions: customerActions(row.payload, customerId),
      }))
      .filter((delivery) => delivery.actions.length > 0);
  }
}
