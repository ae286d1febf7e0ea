import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError, NotFoundError, UserError } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { inTransaction } from '../../database/unit-of-work';
import { generateSecret, secretProblem, signingKey } from '../delivery/signing';
import { IntegrationSecretEntity } from './entities/integration-secret.entity';
import { IntegrationEntity } from './entities/integration.entity';
import { EventsClock } from './events-clock';
import type { SigningIntegration } from './inbound-signature';
import {
  CreatedIntegrationView,
  CreateIntegrationDto,
  IntegrationView,
  RotatedIntegrationSecretView,
  RotateIntegrationSecretDto,
  toIntegrationView,
} from './integrations.dto';
import { SealingKey } from './sealing-key';
import { seal, unseal } from './secret-box';

/**
 * Integrations that report outcomes, each with its own Standard Webhooks secret. A secret
 * is shown once, when made; it is stored sealed and opened only to check a signature.
 */
@Injectable()
export class IntegrationsService {
  private readonly logger = new Logger(IntegrationsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sealingKey: SealingKey,
    private readonly clock: EventsClock,
  ) {}

  /** @throws UserError `integration_secret_invalid`; ConflictError `integration_name_taken`. */
  async create(input: CreateIntegrationDto): Promise<CreatedIntegrationView> {
    const secret = input.secret ?? generateSecret();
    checkSecret(secret);
    const name = input.name.trim();
    await this.checkNameFree(name);

    const now = new Date(this.clock.now());
    const integration: IntegrationEntity = {
      id: `int_${randomBytes(12).toString('base64url')}`,
      name,
      createdAt: now,
      updatedAt: now,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(IntegrationEntity, integration);
      await manager.insert(IntegrationSecretEntity, {
        integrationId: integration.id,
        sealedSecret: seal(this.sealingKey.get(), secret),
        createdAt: now,
        expiresAt: null,
      });
    });
    this.logger.log(`Integration ${integration.id} created`);

    return { ...toIntegrationView(integration, null), secret };
  }

  async list(): Promise<IntegrationView[]> {
    const integrations = await this.dataSource.manager.find(IntegrationEntity, {
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const rotations = await this.rotationEnds();

    return integrations.map((i) => toIntegrationView(i, rotations.get(i.id) ?? null));
  }

  /** @throws NotFoundError `integration_not_found`. */
  async get(id: string): Promise<IntegrationView> {
    const integration = await this.find(id);
    const rotations = await this.rotationEnds();

    return toIntegrationView(integration, rotations.get(id) ?? null);
  }

  /**
   * Makes a new current secret. The secrets in use stay accepted until the configured
   * overlap ends, so the integration can switch without a refused request.
   *
   * @throws NotFoundError `integration_not_found`; UserError `integration_secret_invalid`.
   */
  async rotateSecret(
    id: string,
    input: RotateIntegrationSecretDto,
  ): Promise<RotatedIntegrationSecretView> {
    await this.find(id);
    const secret = input.secret ?? generateSecret();
    checkSecret(secret);

    const now = this.clock.now();
    const until = now + this.config.integrationSecretOverlapMs;
    await inTransaction(this.dataSource, async (manager) => {
      await manager.query(
        `UPDATE "integration_secrets" SET "expires_at" = ?
         WHERE "integration_id" = ? AND ("expires_at" IS NULL OR "expires_at" > ?)`,
        [until, id, until],
      );
      await manager.query(
        `DELETE FROM "integration_secrets" WHERE "integration_id" = ? AND "expires_at" <= ?`,
        [id, now],
      );
      await manager.insert(IntegrationSecretEntity, {
        integrationId: id,
        sealedSecret: seal(this.sealingKey.get(), secret),
        createdAt: new Date(now),
        expiresAt: null,
      });
      await manager.update(IntegrationEntity, { id }, { updatedAt: new Date(now) });
    });
    this.logger.log(
      `Integration ${id}: secret rotated, previous one accepted until ${new Date(until).toISOString()}`,
    );

    return {
      integrationId: id,
      secret,
      previousSecretValidUntil: new Date(until).toISOString(),
    };
  }

  /** Deletes the integration and its secrets; the events it reported stay. */
  async remove(id: string): Promise<void> {
    await this.find(id);

    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(IntegrationSecretEntity, { integrationId: id });
      await manager.delete(IntegrationEntity, { id });
    });
    this.logger.log(`Integration ${id} deleted`);
  }

  /** Every integration with the keys it may sign with at `now` (current and overlapping). */
  async signingIntegrations(now: number): Promise<SigningIntegration[]> {
    const rows: { id: string; name: string; sealed_secret: string }[] = await this.dataSource.query(
      `SELECT i."id", i."name", s."sealed_secret" FROM "integrations" i
         JOIN "integration_secrets" s ON s."integration_id" = i."id"
         WHERE s."expires_at" IS NULL OR s."expires_at" > ?
         ORDER BY i."id", s."id" DESC`,
      [now],
    );
    const byId = new Map<string, SigningIntegration>();
    const key = this.sealingKey.get();
    for (const row of rows) {
      const entry = byId.get(row.id) ?? { id: row.id, name: row.name, keys: [] };
      entry.keys.push(signingKey(unseal(key, row.sealed_secret)));
      byId.set(row.id, entry);
    }

    return [...byId.values()];
  }

  private async find(id: string): Promise<IntegrationEntity> {
    const integration = await this.dataSource.manager.findOne(IntegrationEntity, {
      where: { id },
    });
    if (!integration) {
      throw new NotFoundError('integration', id);
    }

    return integration;
  }

  private async checkNameFree(name: string): Promise<void> {
    if (await this.dataSource.manager.existsBy(IntegrationEntity, { name })) {
      throw new ConflictError(
        'integration_name_taken',
        `An integration is named "${name}" already; choose another name.`,
        [{ path: '$.name', message: 'taken' }],
      );
    }
  }

  /** For each integration with a rotated-out secret still accepted: when the last one stops. */
  private async rotationEnds(): Promise<Map<string, Date>> {
    const rows: { integration_id: string; ends: number }[] = await this.dataSource.query(
      `SELECT "integration_id", MAX("expires_at") AS "ends" FROM "integration_secrets"
       WHERE "expires_at" > ? GROUP BY "integration_id"`,
      [this.clock.now()],
    );

    return new Map(rows.map((row) => [row.integration_id, new Date(Number(row.ends))]));
  }
}

function checkSecret(secret: string): void {
  const problem = secretProblem(secret);
  if (problem) {
    throw new UserError(
      'integration_secret_invalid',
      `$.secret ${problem}: give "whsec_" and the base64 of 24 to 64 random bytes, ` +
        'or leave it out to have one generated.',
      400,
      [{ path: '$.secret', message: problem }],
    );
  }
}
