import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduling: retraining schedules, their runs and locks, and the drift reports of
 * scoring runs with the per-version references they compare against.
 */
export class Scheduling1764800006000 implements MigrationInterface {
  name = 'Scheduling1764800006000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "retraining_schedules" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "cron" varchar(120) NOT NULL,
        "time_zone" varchar(64) NOT NULL,
        "source" text NOT NULL,
        "plugins" text,
        "metric" varchar(16) NOT NULL
          CHECK ("metric" IN ('rocAuc', 'prAuc', 'logLoss', 'brier')),
        "margin" real NOT NULL CHECK ("margin" >= 0),
        "min_rows" integer NOT NULL,
        "require_both_classes" boolean NOT NULL,
        "max_ece_increase" real NOT NULL,
        "drift_mode" varchar(16) NOT NULL CHECK ("drift_mode" IN ('always', 'on_drift')),
        "drift_threshold" real NOT NULL,
        "test_share" real NOT NULL,
        "enabled" boolean NOT NULL,
        "created_at" varchar NOT NULL,
        "updated_at" varchar NOT NULL,
        CONSTRAINT "uq_retraining_schedules_model" UNIQUE ("model_name")
      )`);
    // Runs outlive their schedule: no foreign key, so deleting a schedule keeps its history.
    await queryRunner.query(`
      CREATE TABLE "retraining_runs" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "schedule_id" varchar(36) NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "trigger" varchar(16) NOT NULL CHECK ("trigger" IN ('schedule', 'manual')),
        "status" varchar(16) NOT NULL
          CHECK ("status" IN ('running', 'promoted', 'kept', 'failed', 'skipped')),
        "scheduled_for" varchar,
        "holder" varchar(200) NOT NULL,
        "actor" varchar(128) NOT NULL,
        "started_at" varchar NOT NULL,
        "finished_at" varchar,
        "metric" varchar(16) NOT NULL,
        "seed" integer NOT NULL,
        "dataset_id" varchar(64),
        "rows" integer,
        "test_rows" integer,
        "champion_version" integer,
        "champion_value" real,
        "champion_ece" real,
        "challenger_version" integer,
        "challenger_plugin_id" varchar(40),
        "challenger_value" real,
        "challenger_ece" real,
        "drift" real,
        "candidates" text NOT NULL,
        "guards" text NOT NULL,
        "decision" varchar(16) CHECK ("decision" IN ('promote', 'keep', 'skip')),
        "reason" text,
        "error" text
      )`);
    // One run per cron occurrence, whichever process ticked first (manual runs have none).
    await queryRunner.query(`
      CREATE UNIQUE INDEX "uq_retraining_runs_occurrence"
      ON "retraining_runs" ("schedule_id", "scheduled_for")`);
    await queryRunner.query(`
      CREATE INDEX "ix_retraining_runs_schedule"
      ON "retraining_runs" ("schedule_id", "started_at")`);
    await queryRunner.query(
      `CREATE INDEX "ix_retraining_runs_model" ON "retraining_runs" ("model_name", "started_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "schedule_locks" (
        "schedule_id" varchar(36) PRIMARY KEY NOT NULL,
        "holder" varchar(200) NOT NULL,
        "expires_at" integer NOT NULL,
        "acquired_at" integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "drift_reports" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "model_version" integer NOT NULL,
        "model_version_id" varchar(36) NOT NULL,
        "scoring_run_id" varchar(36) NOT NULL,
        "rows" integer NOT NULL,
        "score_psi" real NOT NULL,
        "max_feature_psi" real NOT NULL,
        "max_feature" varchar,
        "drift" real NOT NULL,
        "features" text NOT NULL,
        "created_at" varchar NOT NULL
      )`);
    await queryRunner.query(`
      CREATE INDEX "ix_drift_reports_version"
      ON "drift_reports" ("model_version_id", "created_at")`);
    await queryRunner.query(
      `CREATE INDEX "ix_drift_reports_model" ON "drift_reports" ("model_name", "created_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "drift_references" (
        "model_version_id" varchar(36) PRIMARY KEY NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "model_version" integer NOT NULL,
        "rows" integer NOT NULL,
        "features" text NOT NULL,
        "scores" text NOT NULL,
        "created_at" varchar NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "drift_references"`);
    await queryRunner.query(`DROP TABLE "drift_reports"`);
    await queryRunner.query(`DROP TABLE "schedule_locks"`);
    await queryRunner.query(`DROP TABLE "retraining_runs"`);
    await queryRunner.query(`DROP TABLE "retraining_schedules"`);
  }
}
