import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access control: API keys (only the SHA-256 of each key is kept), the endpoints whose
 * deliveries a key may read when its role is limited to its own endpoints, and the audit
 * log of mutating requests.
 */
export class Access1764800009000 implements MigrationInterface {
  name = 'Access1764800009000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "api_keys" (
        "id" varchar(32) PRIMARY KEY NOT NULL,
        "name" varchar(100) NOT NULL,
        "role" varchar(16) NOT NULL CHECK ("role" IN ('admin', 'marketer', 'integrator')),
        "key_hash" varchar(64) NOT NULL,
        "prefix" varchar(16) NOT NULL,
        "created_at" integer NOT NULL,
        "last_used_at" integer,
        "revoked_at" integer,
        CONSTRAINT "uq_api_keys_key_hash" UNIQUE ("key_hash")
      )`);
    await queryRunner.query(`
      CREATE TABLE "api_key_endpoints" (
        "key_id" varchar(32) NOT NULL REFERENCES "api_keys" ("id") ON DELETE CASCADE,
        "endpoint_id" varchar(32) NOT NULL REFERENCES "endpoints" ("id") ON DELETE CASCADE,
        PRIMARY KEY ("key_id", "endpoint_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_api_key_endpoints_endpoint" ON "api_key_endpoints" ("endpoint_id")`,
    );
    // No foreign key to api_keys: the log outlives the keys it names.
    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "at" integer NOT NULL,
        "key_id" varchar(32),
        "role" varchar(16),
        "action" varchar(300) NOT NULL,
        "target" text NOT NULL,
        "status" integer NOT NULL,
        "request_id" varchar(128)
      )`);
    await queryRunner.query(`CREATE INDEX "ix_audit_log_at" ON "audit_log" ("at")`);
    await queryRunner.query(`CREATE INDEX "ix_audit_log_key" ON "audit_log" ("key_id", "at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP TABLE "api_key_endpoints"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
