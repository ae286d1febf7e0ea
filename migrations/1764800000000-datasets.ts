import { MigrationInterface, QueryRunner } from 'typeorm';

/** Datasets, their row snapshots for training, and customers. */
export class Datasets1764800000000 implements MigrationInterface {
  name = 'Datasets1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "datasets" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "name" varchar NOT NULL,
        "file_name" varchar NOT NULL,
        "format" varchar NOT NULL CHECK ("format" IN ('csv', 'jsonl')),
        "delimiter" varchar,
        "row_count" integer NOT NULL,
        "bad_row_count" integer NOT NULL,
        "schema" text NOT NULL,
        "profile" text NOT NULL,
        "bad_rows" text NOT NULL,
        "created_at" varchar NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "idx_datasets_created_at" ON "datasets" ("created_at")`);

    await queryRunner.query(`
      CREATE TABLE "dataset_records" (
        "dataset_id" varchar(36) NOT NULL REFERENCES "datasets" ("id") ON DELETE CASCADE,
        "row_number" integer NOT NULL,
        "customer_id" varchar NOT NULL,
        "label" integer CHECK ("label" IN (0, 1)),
        "attributes" text NOT NULL,
        PRIMARY KEY ("dataset_id", "row_number")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_dataset_records_customer" ON "dataset_records" ("dataset_id", "customer_id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "customers" (
        "id" varchar PRIMARY KEY NOT NULL,
        "attributes" text NOT NULL,
        "dataset_id" varchar(36) REFERENCES "datasets" ("id") ON DELETE SET NULL,
        "created_at" varchar NOT NULL,
        "updated_at" varchar NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "idx_customers_dataset" ON "customers" ("dataset_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "customers"`);
    await queryRunner.query(`DROP TABLE "dataset_records"`);
    await queryRunner.query(`DROP TABLE "datasets"`);
  }
}
