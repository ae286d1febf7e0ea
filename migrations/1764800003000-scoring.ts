import { MigrationInterface, QueryRunner } from 'typeorm';

/** Scoring: the runs of batch scoring, and each customer's current score per model. */
export class Scoring1764800003000 implements MigrationInterface {
  name = 'Scoring1764800003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scoring_runs" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "model_version" integer NOT NULL,
        "model_version_id" varchar(36) NOT NULL,
        "audience" text,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('running', 'succeeded', 'failed')),
        "batch_size" integer NOT NULL CHECK ("batch_size" >= 1),
        "customers_read" integer NOT NULL DEFAULT 0,
        "customers_scored" integer NOT NULL DEFAULT 0,
        "summary" text,
        "error" text,
        "started_at" varchar NOT NULL,
        "finished_at" varchar
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_scoring_runs_model" ON "scoring_runs" ("model_name", "started_at")`,
    );
    // One current score per customer and model; the primary key is also the keyset order
    // in which campaign runs read the scores of a model.
    await queryRunner.query(`
      CREATE TABLE "scores" (
        "model_name" varchar(64) NOT NULL,
        "customer_id" varchar NOT NULL REFERENCES "customers" ("id") ON DELETE CASCADE,
        "model_version_id" varchar(36) NOT NULL
          REFERENCES "model_versions" ("id") ON DELETE CASCADE,
        "model_version" integer NOT NULL,
        "probability" real NOT NULL CHECK ("probability" >= 0 AND "probability" <= 1),
        "decile" integer NOT NULL CHECK ("decile" BETWEEN 1 AND 10),
        "scored_at" varchar NOT NULL,
        "scoring_run_id" varchar(36) NOT NULL REFERENCES "scoring_runs" ("id"),
        PRIMARY KEY ("model_name", "customer_id")
      )`);
    // No index on model_version_id or scoring_run_id: versions and runs are never deleted,
    // and each index would slow every upsert of a run.
    await queryRunner.query(`CREATE INDEX "ix_scores_customer" ON "scores" ("customer_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scores"`);
    await queryRunner.query(`DROP TABLE "scoring_runs"`);
  }
}
