import { Entity, PrimaryColumn } from 'typeorm';

/** An endpoint whose deliveries a key limited to its own endpoints (an integrator) may read. */
@Entity({ name: 'api_key_endpoints' })
export class ApiKeyEndpointEntity {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  @PrimaryColumn({ name: 'endpoint_id', type: 'varchar', length: 32 })
  endpointId: string;
}
