import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Why a customer must not be contacted. */
export type SuppressionReason = 'do_not_contact' | 'unsubscribed' | 'bounced';

export const SUPPRESSION_REASONS: readonly SuppressionReason[] = [
  'do_not_contact',
  'unsubscribed',
  'bounced',
];

/** A customer that no campaign may contact, whatever its rules say. */
@Entity({ name: 'suppressions' })
export class SuppressionEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar' })
  customerId: string;

  @Column({ name: 'reason', type: 'varchar', length: 32 })
  reason: SuppressionReason;

  /** Who asked: `api`, `cli`, an integration's name … */
  @Column({ name: 'source', type: 'varchar', length: 100 })
  source: string;

  /** ISO 8601. */
  @Column({ name: 'created_at', type: 'varchar', length: 24 })
  createdAt: string;
}

/** A suppression as the API and the decision core see it. */
export interface Suppression {
  readonly customerId: string;
  readonly reason: SuppressionReason;
  readonly source: string;
  readonly createdAt: string;
}

export function suppressionView(entity: SuppressionEntity): Suppression {
  return {
    customerId: entity.customerId,
    reason: entity.reason,
    source: entity.source,
    createdAt: entity.createdAt,
  };
}
