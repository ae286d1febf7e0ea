import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery: endpoints and their signing secrets, the outbox of deliveries and every attempt.
 * Times are integer epoch milliseconds, compared by the dispatcher in every claim.
 */
export class Delivery1764800002000 implements MigrationInterface {
  name = 'Delivery1764800002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "endpoints" (
        "id" varchar(32) PRIMARY KEY NOT NULL,
        "name" varchar(100) NOT NULL,
        "url" text NOT NULL,
        "action_types" text NOT NULL,
        "enabled" boolean NOT NULL,
        "disabled_reason" text,
        "batch_size" integer CHECK ("batch_size" IS NULL OR "batch_size" >= 1),
        "created_at" integer NOT NULL,
        "updated_at" integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "endpoint_secrets" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "endpoint_id" varchar(32) NOT NULL REFERENCES "endpoints" ("id") ON DELETE CASCADE,
        "secret" text NOT NULL,
        "created_at" integer NOT NULL,
        "expires_at" integer
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_endpoint_secrets_endpoint" ON "endpoint_secrets" ("endpoint_id")`,
    );
    // No foreign key to endpoints: a delivery stays on record after its endpoint is deleted.
    await queryRunner.query(`
      CREATE TABLE "deliveries" (
        "id" varchar(40) PRIMARY KEY NOT NULL,
        "endpoint_id" varchar(32) NOT NULL,
        "action_type" varchar(16) NOT NULL,
        "payload" text NOT NULL,
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('pending', 'in_flight', 'delivered', 'dead')),
        "attempts" integer NOT NULL DEFAULT 0,
        "schedule_offset" integer NOT NULL DEFAULT 0,
        "next_attempt_at" integer,
        "lease_until" integer,
        "lease_token" varchar(40),
        "last_status" integer,
        "last_error" text,
        "created_at" integer NOT NULL,
        "delivered_at" integer,
        "dead_at" integer,
        "run_id" varchar(64) NOT NULL,
        "campaign_id" varchar(64) NOT NULL,
        "decision_ids" text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_due" ON "deliveries" ("status", "next_attempt_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_lease" ON "deliveries" ("lease_token")
       WHERE "lease_token" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_endpoint" ON "deliveries" ("endpoint_id", "status")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_deliveries_run" ON "deliveries" ("run_id")`);
    await queryRunner.query(`CREATE INDEX "ix_deliveries_created" ON "deliveries" ("created_at")`);
    await queryRunner.query(`
      CREATE TABLE "delivery_attempts" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "delivery_id" varchar(40) NOT NULL REFERENCES "deliveries" ("id") ON DELETE CASCADE,
        "attempt" integer NOT NULL,
        "started_at" integer NOT NULL,
        "status_code" integer,
        "latency_ms" integer NOT NULL,
        "error" text
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_delivery_attempts_delivery" ON "delivery_attempts" ("delivery_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "deliveries"`);
    await queryRunner.query(`DROP TABLE "endpoint_secrets"`);
    await queryRunner.query(`DROP TABLE "endpoints"`);
  }
}
