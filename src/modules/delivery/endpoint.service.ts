import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AddressGuard } from './address-guard';
import { DeliveryClock } from './clock';
import type { ActionType } from './delivery.types';
import {
  CreatedEndpointView,
  CreateEndpointDto,
  EndpointView,
  RotatedSecretView,
  RotateSecretDto,
  toEndpointView,
  UpdateEndpointDto,
} from './endpoint.dto';
import { EndpointSecretEntity } from './entities/endpoint-secret.entity';
import { EndpointEntity } from './entities/endpoint.entity';
import { newEndpointId } from './ids';
import { generateSecret, secretProblem } from './signing';

/** Endpoints and their signing secrets. Secrets leave this service only when just made. */
@Injectable()
export class EndpointService {
  private readonly logger = new Logger(EndpointService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: DeliveryClock,
    private readonly guard: AddressGuard,
  ) {}

  async create(input: CreateEndpointDto): Promise<CreatedEndpointView> {
    const secret = input.secret ?? generateSecret();
    checkSecret(secret, '$.secret');
    checkBatchSize(input.batchSize ?? null, input.actionTypes);
    await this.checkUrl(input.url);

    const now = new Date(this.clock.now());
    const endpoint = Object.assign(new EndpointEntity(), {
      id: newEndpointId(),
      name: input.name,
      url: input.url,
      actionTypes: input.actionTypes,
      enabled: input.enabled ?? true,
      disabledReason: input.enabled === false ? 'created disabled' : null,
      batchSize: input.batchSize ?? null,
      includePersonal: input.includePersonal ?? [],
      createdAt: now,
      updatedAt: now,
    });
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(EndpointEntity, endpoint);
      await manager.insert(EndpointSecretEntity, {
        endpointId: endpoint.id,
        secret,
        createdAt: now,
        expiresAt: null,
      });
    });
    this.logger.log(`Endpoint ${endpoint.id} created for ${endpoint.actionTypes.join(', ')}`);

    return { ...toEndpointView(endpoint, null), secret };
  }

  async list(): Promise<EndpointView[]> {
    const endpoints = await this.dataSource.manager.find(EndpointEntity, {
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const rotations = await this.rotationEnds(endpoints.map((e) => e.id));

    return endpoints.map((e) => toEndpointView(e, rotations.get(e.id) ?? null));
  }

  async get(id: string): Promise<EndpointView> {
    const endpoint = await this.find(this.dataSource.manager, id);
    const rotations = await this.rotationEnds([id]);

    return toEndpointView(endpoint, rotations.get(id) ?? null);
  }

  async update(id: string, input: UpdateEndpointDto): Promise<EndpointView> {
    const endpoint = await this.find(this.dataSource.manager, id);
    if (input.disabledReason !== undefined && input.enabled !== false) {
      throw new UserError(
        'endpoint_reason_without_disable',
        '$.disabledReason is only taken together with "enabled": false.',
        400,
        [{ path: '$.disabledReason', message: 'send "enabled": false with it, or leave it out' }],
      );
    }

    const actionTypes = input.actionTypes ?? endpoint.actionTypes;
    const batchSize = input.batchSize === undefined ? endpoint.batchSize : input.batchSize;
    checkBatchSize(batchSize, actionTypes);
    if (input.url !== undefined) {
      await this.checkUrl(input.url);
    }
    const enabled = input.enabled ?? endpoint.enabled;
    const changes: Partial<EndpointEntity> = {
      name: input.name ?? endpoint.name,
      url: input.url ?? endpoint.url,
      actionTypes,
      batchSize,
      includePersonal: input.includePersonal ?? endpoint.includePersonal,
      enabled,
      disabledReason: enabled
        ? null
        : input.enabled === false
          ? (input.disabledReason ?? 'disabled by a user')
          : endpoint.disabledReason,
      updatedAt: new Date(this.clock.now()),
    };
    await inTransaction(this.dataSource, (manager) =>
      manager.update(EndpointEntity, { id }, changes),
    );
    if (input.enabled !== undefined && input.enabled !== endpoint.enabled) {
      this.logger.log(`Endpoint ${id} ${enabled ? 'enabled' : 'disabled'}`);
    }

    return this.get(id);
  }

  /** Deletes the endpoint; its undelivered messages become dead letters that stay on record. */
  async remove(id: string): Promise<void> {
    await this.find(this.dataSource.manager, id);

    const now = this.clock.now();
    await inTransaction(this.dataSource, async (manager) => {
      await manager.query(
        `UPDATE "deliveries" SET "status" = 'dead', "dead_at" = ?, "last_error" = ?,
           "next_attempt_at" = NULL, "lease_until" = NULL, "lease_token" = NULL
         WHERE "endpoint_id" = ? AND "status" IN ('pending', 'in_flight')`,
        [now, 'endpoint deleted', id],
      );
      await manager.delete(EndpointSecretEntity, { endpointId: id });
      await manager.delete(EndpointEntity, { id });
    });
    this.logger.log(`Endpoint ${id} deleted`);
  }

  /**
   * Makes a new current secret. Secrets in use keep signing, beside the new one, until the
   * configured overlap ends, so receivers can switch without losing a message.
   */
  async rotateSecret(id: string, input: RotateSecretDto): Promise<RotatedSecretView> {
    await this.find(this.dataSource.manager, id);
    const secret = input.secret ?? generateSecret();
    checkSecret(secret, '$.secret');

    const now = this.clock.now();
    const until = now + this.config.deliverySecretOverlapMs;
    await inTransaction(this.dataSource, async (manager) => {
      await manager.query(
        `UPDATE "endpoint_secrets" SET "expires_at" = ?
         WHERE "endpoint_id" = ? AND ("expires_at" IS NULL OR "expires_at" > ?)`,
        [until, id, until],
      );
      await manager.query(
        `DELETE FROM "endpoint_secrets" WHERE "endpoint_id" = ? AND "expires_at" <= ?`,
        [id, now],
      );
      await manager.insert(EndpointSecretEntity, {
        endpointId: id,
        secret,
        createdAt: new Date(now),
        expiresAt: null,
      });
    });
    this.logger.log(
      `Endpoint ${id}: secret rotated, previous one valid until ${new Date(until).toISOString()}`,
    );

    return { endpointId: id, secret, previousSecretValidUntil: new Date(until).toISOString() };
  }

  /** Refuses a URL webhooks may not go to (scheme, or an internal address of its host). */
  private async checkUrl(url: string): Promise<void> {
    const refusal = await this.guard.urlRefusal(url);
    if (!refusal) {
      return;
    }

    const fix =
      refusal.kind === 'scheme'
        ? 'give an https URL'
        : 'give a public host, or have the operator list it in BULLSEYE_DELIVERY_ALLOWED_HOSTS';
    throw new UserError(
      `endpoint_url_${refusal.kind}_refused`,
      `$.url is refused: ${refusal.reason}; ${fix}.`,
      400,
      [{ path: '$.url', message: refusal.reason }],
    );
  }

  private async find(manager: EntityManager, id: string): Promise<EndpointEntity> {
    const endpoint = await manager.findOne(EndpointEntity, { where: { id } });
    if (!endpoint) {
      throw new NotFoundError('endpoint', id);
    }

    return endpoint;
  }

  /** For each endpoint with a rotated-out secret still valid: when the last one stops. */
  private async rotationEnds(endpointIds: string[]): Promise<Map<string, Date>> {
    if (endpointIds.length === 0) {
      return new Map();
    }

    const rows: { endpoint_id: string; ends: number }[] = await this.dataSource.query(
      `SELECT "endpoint_id", MAX("expires_at") AS "ends" FROM "endpoint_secrets"
       WHERE "expires_at" > ? AND "endpoint_id" IN (${endpointIds.map(() => '?').join(', ')})
       GROUP BY "endpoint_id"`,
      [this.clock.now(), ...endpointIds],
    );

    return new Map(rows.map((row) => [row.endpoint_id, new Date(Number(row.ends))]));
  }
}

function checkSecret(secret: string, path: string): void {
  const problem = secretProblem(secret);
  if (problem) {
    throw new UserError(
      'endpoint_secret_invalid',
      `${path} ${problem}: give "whsec_" and the base64 of 24 to 64 random bytes, ` +
        'or leave it out to have one generated.',
      400,
      [{ path, message: problem }],
    );
  }
}

function checkBatchSize(batchSize: number | null, actionTypes: readonly ActionType[]): void {
  if (batchSize !== null && !actionTypes.includes('ad')) {
    throw new UserError(
      'endpoint_batch_size_without_ad',
      '$.batchSize groups ad actions only: add "ad" to $.actionTypes or leave $.batchSize out.',
      400,
      [{ path: '$.batchSize', message: 'the endpoint receives no ad actions' }],
    );
  }
}
