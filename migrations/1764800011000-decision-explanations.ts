import { MigrationInterface, QueryRunner } from 'typeorm';

/** Decisions keep the model's explanation of an action: its top feature contributions. */
export class DecisionExplanations1764800011000 implements MigrationInterface {
  name = 'DecisionExplanations1764800011000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "decisions" ADD COLUMN "explanation" text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "decisions" DROP COLUMN "explanation"');
  }
}
