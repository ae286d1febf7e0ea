import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TableCount } from './erasure-plan';

/** That a customer was erased, when, and how many rows of each table: no personal data. */
@Entity({ name: 'erasures' })
export class ErasureEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  /** `customerHash` of the erased customer's id. */
  @Column({ name: 'customer_hash', type: 'varchar', length: 64 })
  customerHash: string;

  /** Who asked: `api`, `cli` … */
  @Column({ name: 'source', type: 'varchar', length: 100 })
  source: string;

  /** ISO 8601. */
  @Column({ name: 'erased_at', type: 'varchar', length: 24 })
  erasedAt: string;

  /** Rows deleted and changed, by table. */
  @Column({ name: 'counts', type: 'simple-json' })
  counts: Record<string, TableCount>;
}

/** An erasure as the API and the CLI show it. */
export interface ErasureView {
  readonly id: string;
  readonly customerHash: string;
  readonly source: string;
  readonly erasedAt: string;
  readonly counts: Record<string, TableCount>;
}

export function erasureView(entity: ErasureEntity): ErasureView {
  return {
    id: entity.id,
    customerHash: entity.customerHash,
    source: entity.source,
    erasedAt: entity.erasedAt,
    counts: entity.counts,
  };
}
