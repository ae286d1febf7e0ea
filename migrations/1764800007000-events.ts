import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outcomes coming back: the integrations that report them (with their signing secrets,
 * encrypted), the outcome events, and the `webhook-id` of every request taken, so a
 * replayed request is recognised and stores nothing.
 */
export class Events1764800007000 implements MigrationInterface {
  name = 'Events1764800007000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "integrations" (
        "id" varchar(32) PRIMARY KEY NOT NULL,
        "name" varchar(100) NOT NULL,
        "created_at" integer NOT NULL,
        "updated_at" integer NOT NULL,
        CONSTRAINT "uq_integrations_name" UNIQUE ("name")
      )`);
    // The current secret has no expiry; a rotated-out one is accepted until `expires_at`.
    await queryRunner.query(`
      CREATE TABLE "integration_secrets" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "integration_id" varchar(32) NOT NULL
          REFERENCES "integrations" ("id") ON DELETE CASCADE,
        "sealed_secret" text NOT NULL,
        "created_at" integer NOT NULL,
        "expires_at" integer
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_integration_secrets_integration" ON "integration_secrets" ("integration_id")`,
    );
    // `origin` is the integration id, or `import` / `history` for files an operator loaded.
    // No foreign keys: events outlive integrations, and may name customers not imported yet.
    await queryRunner.query(`
      CREATE TABLE "outcome_events" (
        "seq" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "origin" varchar(32) NOT NULL,
        "event_id" varchar(128) NOT NULL,
        "customer_id" varchar NOT NULL,
        "type" varchar(16) NOT NULL CHECK ("type" IN
          ('delivered', 'opened', 'clicked', 'converted', 'unsubscribed', 'bounced')),
        "occurred_at" integer NOT NULL,
        "decision_id" varchar(36),
        "delivery_id" varchar(40),
        "value" real,
        "received_at" integer NOT NULL,
        CONSTRAINT "uq_outcome_events_origin_event" UNIQUE ("origin", "event_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_outcome_events_customer" ON "outcome_events" ("customer_id", "type", "occurred_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_outcome_events_decision" ON "outcome_events" ("decision_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "event_receipts" (
        "integration_id" varchar(32) NOT NULL,
        "webhook_id" varchar(128) NOT NULL,
        "received_at" integer NOT NULL,
        "events" integer NOT NULL,
        PRIMARY KEY ("integration_id", "webhook_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_event_receipts_received" ON "event_receipts" ("received_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "event_receipts"`);
    await queryRunner.query(`DROP TABLE "outcome_events"`);
    await queryRunner.query(`DROP TABLE "integration_secrets"`);
    await queryRunner.query(`DROP TABLE "integrations"`);
  }
}
