import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../../delivery/entities/epoch-ms.transformer';
import type { OutcomeType } from '../outcome-types';

/** Where an event came from: an integration's id, or an operator's file. */
export type EventOrigin = string;

/** An event came from a file loaded with `bullseye events import`. */
export const IMPORT_ORIGIN = 'import';

/** An outcome of a historical test, recorded with its decisions (`HistoryService`). */
export const HISTORY_ORIGIN = 'history';

/** One outcome about a customer, as reported; unique by origin and event id. */
@Entity({ name: 'outcome_events' })
export class OutcomeEventEntity {
  @PrimaryGeneratedColumn({ name: 'seq', type: 'integer' })
  seq: number;

  @Column({ name: 'origin', type: 'varchar', length: 32 })
  origin: EventOrigin;

  /** The reporter's own id of the event. */
  @Column({ name: 'event_id', type: 'varchar', length: 128 })
  eventId: string;

  @Column({ name: 'customer_id', type: 'varchar' })
  customerId: string;

  @Column({ name: 'type', type: 'varchar', length: 16 })
  type: OutcomeType;

  @Column({ name: 'occurred_at', type: 'integer', transformer: epochMs })
  occurredAt: Date;

  /** The decision the event is about: given, or found from the delivery; null when unknown. */
  @Column({ name: 'decision_id', type: 'varchar', length: 36, nullable: true })
  decisionId: string | null;

  /** The delivery (`webhook-id` of the message) the event is about, when given. */
  @Column({ name: 'delivery_id', type: 'varchar', length: 40, nullable: true })
  deliveryId: string | null;

  /** A number that goes with the event, e.g. the revenue of a conversion. */
  @Column({ name: 'value', type: 'real', nullable: true })
  value: number | null;

  @Column({ name: 'received_at', type: 'integer', transformer: epochMs })
  receivedAt: Date;
}
