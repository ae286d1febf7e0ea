import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ActionType } from './rules';

/**
 * One action delivered (or on its way) to a customer: written with the decision that chose
 * it, read by frequency caps and the history facts of every campaign.
 */
@Entity({ name: 'contacts' })
export class ContactEntity {
  @PrimaryColumn({ name: 'decision_id', type: 'varchar', length: 36 })
  decisionId: string;

  @Column({ name: 'customer_id', type: 'varchar' })
  customerId: string;

  @Column({ name: 'action', type: 'varchar', length: 16 })
  action: ActionType;

  @Column({ name: 'campaign_id', type: 'varchar', length: 36 })
  campaignId: string;

  /** ISO 8601, the time of the decision. */
  @Column({ name: 'at', type: 'varchar', length: 24 })
  at: string;
}
