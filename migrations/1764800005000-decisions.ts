import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What applying campaigns leaves behind: suppressions (customers never to contact), campaign
 * runs with their cursors, one immutable decision per customer and action slot, and the
 * contact history that frequency caps and the history facts count.
 */
export class Decisions1764800005000 implements MigrationInterface {
  name = 'Decisions1764800005000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // No foreign key to customers: a do-not-contact list may name customers not imported yet.
    await queryRunner.query(`
      CREATE TABLE "suppressions" (
        "customer_id" varchar PRIMARY KEY NOT NULL,
        "reason" varchar(32) NOT NULL
          CHECK ("reason" IN ('do_not_contact', 'unsubscribed', 'bounced')),
        "source" varchar(100) NOT NULL,
        "created_at" varchar(24) NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "campaign_runs" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "campaign_id" varchar(36) NOT NULL REFERENCES "campaigns" ("id"),
        "run_key" varchar(128) NOT NULL,
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('running', 'interrupted', 'succeeded', 'failed')),
        "campaign_revision" integer NOT NULL,
        "campaign" text NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "model_version" integer NOT NULL,
        "model_version_id" varchar(36) NOT NULL,
        "batch_size" integer NOT NULL CHECK ("batch_size" >= 1),
        "customers_total" integer NOT NULL,
        "last_customer_id" varchar,
        "batches" integer NOT NULL DEFAULT 0,
        "counts" text NOT NULL,
        "deliveries" integer NOT NULL DEFAULT 0,
        "resumes" integer NOT NULL DEFAULT 0,
        "active_ms" integer NOT NULL DEFAULT 0,
        "error" text,
        "started_at" varchar(24) NOT NULL,
        "updated_at" varchar(24) NOT NULL,
        "finished_at" varchar(24),
        CONSTRAINT "uq_campaign_runs_key" UNIQUE ("campaign_id", "run_key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_campaign_runs_campaign" ON "campaign_runs" ("campaign_id", "started_at")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_campaign_runs_status" ON "campaign_runs" ("status")`);
    // Real-time decisions have no run; SQLite lets NULL run ids repeat under the unique key.
    await queryRunner.query(`
      CREATE TABLE "decisions" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "run_id" varchar(36) REFERENCES "campaign_runs" ("id"),
        "campaign_id" varchar(36) NOT NULL REFERENCES "campaigns" ("id"),
        "campaign_revision" integer NOT NULL,
        "customer_id" varchar NOT NULL,
        "slot" varchar(16) NOT NULL,
        "source" varchar(16) NOT NULL CHECK ("source" IN ('run', 'realtime')),
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('action', 'holdout', 'suppressed', 'capped', 'no_rule')),
        "model_name" varchar(64) NOT NULL,
        "model_version" integer NOT NULL,
        "model_version_id" varchar(36) NOT NULL,
        "score" real NOT NULL,
        "decile" integer NOT NULL,
        "rule" varchar(100),
        "rule_priority" integer,
        "action" varchar(16) CHECK ("action" IS NULL OR "action" IN ('ad', 'promo', 'email', 'social')),
        "params" text,
        "holdout" boolean NOT NULL,
        "reason" text NOT NULL,
        "caps" text,
        "decided_at" varchar(24) NOT NULL,
        CONSTRAINT "uq_decisions_run_customer_slot" UNIQUE ("run_id", "customer_id", "slot")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_decisions_customer" ON "decisions" ("customer_id", "decided_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_decisions_campaign" ON "decisions" ("campaign_id", "decided_at")`,
    );
    // One contact per decision that delivers an action; caps and history facts read by customer.
    await queryRunner.query(`
      CREATE TABLE "contacts" (
        "decision_id" varchar(36) PRIMARY KEY NOT NULL,
        "customer_id" varchar NOT NULL,
        "action" varchar(16) NOT NULL CHECK ("action" IN ('ad', 'promo', 'email', 'social')),
        "campaign_id" varchar(36) NOT NULL,
        "at" varchar(24) NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_contacts_customer_at" ON "contacts" ("customer_id", "at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "contacts"`);
    await queryRunner.query(`DROP TABLE "decisions"`);
    await queryRunner.query(`DROP TABLE "campaign_runs"`);
    await queryRunner.query(`DROP TABLE "suppressions"`);
  }
}
