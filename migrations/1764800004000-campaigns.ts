import { MigrationInterface, QueryRunner } from 'typeorm';

/** Campaign definitions: model, audience, rules, holdout, frequency caps and lifecycle. */
export class Campaigns1764800004000 implements MigrationInterface {
  name = 'Campaigns1764800004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "campaigns" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "name" varchar(100) NOT NULL,
        "description" text,
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('draft', 'active', 'paused', 'archived')),
        "model_name" varchar(64) NOT NULL REFERENCES "models" ("name"),
        "audience" text,
        "rules" text NOT NULL,
        "revision" integer NOT NULL CHECK ("revision" >= 1),
        "holdout_share" real NOT NULL CHECK ("holdout_share" >= 0 AND "holdout_share" <= 0.5),
        "frequency_caps" text NOT NULL,
        "arbitration" varchar(32) NOT NULL
          CHECK ("arbitration" IN ('one_per_customer', 'one_per_action')),
        "starts_at" varchar(24),
        "ends_at" varchar(24),
        "created_at" varchar(24) NOT NULL,
        "updated_at" varchar(24) NOT NULL,
        CONSTRAINT "uq_campaigns_name" UNIQUE ("name"),
        CONSTRAINT "ck_campaigns_dates" CHECK (
          "starts_at" IS NULL OR "ends_at" IS NULL OR "ends_at" > "starts_at"
        )
      )`);
    // Runs and decisions look up the active campaigns of a model.
    await queryRunner.query(
      `CREATE INDEX "ix_campaigns_status" ON "campaigns" ("status", "model_name")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "campaigns"`);
  }
}
