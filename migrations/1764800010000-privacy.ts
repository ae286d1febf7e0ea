import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Privacy: the personal attributes an endpoint receives, the record of every erasure (a
 * hash of the customer id, when, and how many rows of each table; no personal data), and
 * personal flags for the datasets imported before columns could be personal.
 */
export class Privacy1764800010000 implements MigrationInterface {
  name = 'Privacy1764800010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "endpoints" ADD COLUMN "include_personal" text NOT NULL DEFAULT '[]'`,
    );
    await queryRunner.query(`
      CREATE TABLE "erasures" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "customer_hash" varchar(64) NOT NULL,
        "source" varchar(100) NOT NULL,
        "erased_at" varchar(24) NOT NULL,
        "counts" text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_erasures_customer_hash" ON "erasures" ("customer_hash")`,
    );

    const datasets: { id: string; schema: string; profile: string }[] = await queryRunner.query(
      `SELECT "id", "schema", "profile" FROM "datasets"`,
    );
    for (const dataset of datasets) {
      const flagged = flagOldDataset(JSON.parse(dataset.schema), JSON.parse(dataset.profile));
      if (flagged) {
        await queryRunner.query(
          `UPDATE "datasets" SET "schema" = ?, "profile" = ? WHERE "id" = ?`,
          [JSON.stringify(flagged.schema), JSON.stringify(flagged.profile), dataset.id],
        );
      }
    }
  }

  // The personal flags stay in the schemas: code without them ignores the extra keys.
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "erasures"`);
    await queryRunner.query(`ALTER TABLE "endpoints" DROP COLUMN "include_personal"`);
  }
}

interface OldColumn {
  name: string;
  type: string;
  role: string;
  personal?: string;
}

interface OldProfile {
  columns?: Record<string, unknown>[];
  notes?: string[];
}

/**
 * The name rule of imports at the time of this migration, frozen here so that the migration
 * gives the same result whenever it runs: text columns (and numeric phone numbers) named
 * like an email, phone, name or address, other than the target and the id.
 */
const PERSONAL_WORDS: Record<string, string> = {
  email: 'email',
  mail: 'email',
  phone: 'phone',
  telephone: 'phone',
  mobile: 'phone',
  cellphone: 'phone',
  tel: 'phone',
  msisdn: 'phone',
  name: 'name',
  firstname: 'name',
  lastname: 'name',
  fullname: 'name',
  surname: 'name',
  forename: 'name',
  givenname: 'name',
  familyname: 'name',
  username: 'name',
  address: 'address',
  street: 'address',
};

function looksPersonal(column: OldColumn): boolean {
  if (column.role === 'target' || column.role === 'id') {
    return false;
  }
  const words = column.name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  const kind = words.map((word) => PERSONAL_WORDS[word]).find((found) => found !== undefined);

  return (
    kind !== undefined &&
    (column.type === 'categorical' ||
      column.type === 'identifier' ||
      (kind === 'phone' && column.type === 'numeric'))
  );
}

/** The schema and profile with personal flags, and no values of personal columns; or null. */
function flagOldDataset(
  schema: { columns: OldColumn[] },
  profile: OldProfile,
): { schema: { columns: OldColumn[] }; profile: OldProfile } | null {
  if (schema.columns.some((column) => column.personal !== undefined)) {
    return null;
  }
  const personal = new Set(schema.columns.filter(looksPersonal).map((column) => column.name));
  if (personal.size === 0) {
    return null;
  }

  const columns = schema.columns.map((column) =>
    personal.has(column.name) ? { ...column, personal: 'inferred' } : column,
  );
  const profiled = (profile.columns ?? []).map((column) => {
    if (!personal.has(String(column.name))) {
      return column;
    }
    const { name, type, role, missing, distinct, distinctAtLeast } = column;

    return { name, type, role, personal: 'inferred', missing, distinct, distinctAtLeast };
  });
  const note =
    `Flagged personal from their names when privacy flags were introduced: ` +
    `${[...personal].join(', ')}. Import the file again naming the personal columns ` +
    '(personal, --personal) to change this.';

  return {
    schema: { ...schema, columns },
    profile: { ...profile, columns: profiled, notes: [...(profile.notes ?? []), note] },
  };
}
