import { MigrationInterface, QueryRunner } from 'typeorm';

/** The model registry: models, their versions, training jobs and the promotion history. */
export class Models1764800001000 implements MigrationInterface {
  name = 'Models1764800001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "models" (
        "name" varchar(64) PRIMARY KEY NOT NULL,
        "description" text,
        "created_at" datetime NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "model_versions" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "model_name" varchar(64) NOT NULL REFERENCES "models" ("name") ON DELETE CASCADE,
        "version" integer NOT NULL,
        "plugin_id" varchar(40) NOT NULL,
        "plugin_version" varchar(40) NOT NULL,
        "params" text NOT NULL,
        "preprocessing" text NOT NULL,
        "calibration" text NOT NULL,
        "threshold" real NOT NULL,
        "metrics" text NOT NULL,
        "dataset_id" varchar(64) NOT NULL,
        "artifact" text NOT NULL,
        "status" varchar(16) NOT NULL CHECK ("status" IN ('candidate', 'champion', 'retired')),
        "created_at" datetime NOT NULL,
        "promoted_at" datetime,
        "training_job_id" varchar(36),
        "feature_names" text NOT NULL,
        CONSTRAINT "uq_model_versions_model_version" UNIQUE ("model_name", "version")
      )`);
    // At most one champion per model, whatever the code does.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "uq_model_versions_champion" ON "model_versions" ("model_name")
      WHERE "status" = 'champion'`);
    await queryRunner.query(`
      CREATE TABLE "training_jobs" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "dataset_id" varchar(64) NOT NULL,
        "request" text NOT NULL,
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        "progress" real NOT NULL DEFAULT 0,
        "message" text,
        "result" text,
        "error" text,
        "created_at" datetime NOT NULL,
        "started_at" datetime,
        "finished_at" datetime
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_training_jobs_status" ON "training_jobs" ("status", "created_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "model_promotions" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "model_name" varchar(64) NOT NULL REFERENCES "models" ("name") ON DELETE CASCADE,
        "action" varchar(16) NOT NULL CHECK ("action" IN ('promote', 'rollback')),
        "from_version" integer,
        "to_version" integer NOT NULL,
        "reason" text,
        "actor" varchar(128),
        "at" datetime NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_model_promotions_model" ON "model_promotions" ("model_name", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "model_promotions"`);
    await queryRunner.query(`DROP TABLE "training_jobs"`);
    await queryRunner.query(`DROP TABLE "model_versions"`);
    await queryRunner.query(`DROP TABLE "models"`);
  }
}
