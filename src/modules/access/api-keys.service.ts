import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { NotFoundError, UserError } from '../../common/errors';
import { LookupCache } from '../../common/lookup-cache';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { inTransaction } from '../../database/unit-of-work';
import { EndpointEntity } from '../delivery/entities/endpoint.entity';
import { ApiKeyView, CreatedApiKeyView, toApiKeyView } from './access.dto';
import type { Identity } from './caller';
import { ApiKeyEndpointEntity } from './entities/api-key-endpoint.entity';
import { ApiKeyEntity } from './entities/api-key.entity';
import { displayPrefix, generateKey, hashKey, looksLikeKey, newKeyId } from './key-material';
import { isRole, Role, ROLES } from './roles';

/** A key's last use is written at most this often, so a busy key does not write per request. */
export const LAST_USED_INTERVAL_MS = 60_000;

/** The only role whose keys are limited to the endpoints linked to them. */
const ENDPOINT_ROLE: Role = 'integrator';

export interface CreateKeyInput {
  name: string;
  role: string;
  endpointIds?: string[];
}

/** Keys whose lookups are kept at once; more than a deployment has in use. */
const CACHED_KEYS = 10_000;

/**
 * API keys: made (the key is returned once and only its SHA-256 kept), listed, revoked,
 * and checked on every request. A key's lookup is trusted for `BULLSEYE_LOOKUP_CACHE_MS`:
 * revoked through this process, a key stops working on its next request; revoked by another
 * process on the same database (`bullseye keys revoke`), within that time. Unknown keys are
 * looked up every time, so guessing fills no cache.
 */
@Injectable()
export class ApiKeysService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly lastWritten = new Map<string, number>();
  private readonly writing = new Set<Promise<void>>();
  private readonly identities: LookupCache<string, Identity>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'lookupCacheMs'>,
  ) {
    this.identities = new LookupCache({
      ttlMs: config.lookupCacheMs,
      max: CACHED_KEYS,
      load: (keyHash) => this.lookup(keyHash),
      keep: (identity) =>
        identity.kind === 'key' ||
        (identity.kind === 'rejected' && identity.code === 'api_key_revoked'),
    });
  }

  /** @throws UserError `api_key_invalid`, `api_key_endpoints_unused`; `endpoint_not_found`. */
  async create(input: CreateKeyInput): Promise<CreatedApiKeyView> {
    const name = input.name.trim();
    if (!name || name.length > 100) {
      throw new UserError('api_key_invalid', 'A key needs a name of 1 to 100 characters.', 400, [
        { path: '$.name', message: 'must be 1 to 100 characters' },
      ]);
    }
    if (!isRole(input.role)) {
      throw new UserError(
        'api_key_invalid',
        `A key's role is one of ${ROLES.join(', ')}; got "${input.role}".`,
        400,
        [{ path: '$.role', message: `must be one of ${ROLES.join(', ')}` }],
      );
    }
    const endpointIds = input.endpointIds ?? [];
    checkEndpointsApply(input.role, endpointIds);

    const key = generateKey();
    const entity: ApiKeyEntity = {
      id: newKeyId(),
      name,
      role: input.role,
      keyHash: hashKey(key),
      prefix: displayPrefix(key),
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await requireEndpoints(manager, endpointIds);
      await manager.insert(ApiKeyEntity, entity);
      await linkEndpoints(manager, entity.id, endpointIds);
    });
    this.logger.log(`Created ${entity.role} key ${entity.id} (${entity.name})`);

    return { ...toApiKeyView(entity, endpointIds), key };
  }

  async list(): Promise<ApiKeyView[]> {
    const keys = await this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ order: { createdAt: 'DESC', id: 'ASC' } });
    const links = await this.dataSource.getRepository(ApiKeyEndpointEntity).find();

    return keys.map((key) =>
      toApiKeyView(
        key,
        links.filter((link) => link.keyId === key.id).map((link) => link.endpointId),
      ),
    );
  }

  /** @throws NotFoundError `api_key_not_found`. */
  async get(id: string): Promise<ApiKeyView> {
    const key = await this.find(id);

    return toApiKeyView(key, await this.endpointsOf(id));
  }

  /** Revokes a key for good; revoking it again changes nothing. */
  async revoke(id: string): Promise<ApiKeyView> {
    const key = await inTransaction(this.dataSource, async (manager) => {
      const found = await this.find(id, manager);
      if (found.revokedAt === null) {
        found.revokedAt = new Date();
        await manager.update(ApiKeyEntity, { id }, { revokedAt: found.revokedAt });
      }

      return found;
    });
    this.identities.clear();
    this.logger.log(`Revoked key ${key.id} (${key.name})`);

    return toApiKeyView(key, await this.endpointsOf(id));
  }

  /** Replaces the endpoints an integrator key may read the deliveries of. */
  async setEndpoints(id: string, endpointIds: string[]): Promise<ApiKeyView> {
    const key = await inTransaction(this.dataSource, async (manager) => {
      const found = await this.find(id, manager);
      checkEndpointsApply(found.role, endpointIds);
      await requireEndpoints(manager, endpointIds);
      await manager.delete(ApiKeyEndpointEntity, { keyId: id });
      await linkEndpoints(manager, id, endpointIds);

      return found;
    });

    return toApiKeyView(key, [...endpointIds].sort());
  }

  /** Who presents this key: its caller, or why it is refused. */
  async identify(key: string): Promise<Identity> {
    if (!looksLikeKey(key)) {
      return rejected('api_key_invalid', 'The API key is not in the form of a Bullseye key.');
    }

    return this.identities.get(hashKey(key));
  }

  private async lookup(keyHash: string): Promise<Identity> {
    const found = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyHash });
    if (!found) {
      return rejected('api_key_invalid', 'The API key is unknown.');
    }
    if (found.revokedAt !== null) {
      return rejected('api_key_revoked', `The API key ${found.prefix}… was revoked.`);
    }

    return { kind: 'key', caller: { keyId: found.id, name: found.name, role: found.role } };
  }

  /**
   * Notes that a key was used, writing at most once a minute per key. The write does not
   * hold up the request; one that fails is logged and tried again on a later request.
   */
  touch(keyId: string, now = Date.now()): void {
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && now - last < LAST_USED_INTERVAL_MS) {
      return;
    }
    this.lastWritten.set(keyId, now);
    const write = inTransaction(this.dataSource, (manager) =>
      manager.update(ApiKeyEntity, { id: keyId }, { lastUsedAt: new Date(now) }),
    ).then(
      () => undefined,
      (error: Error) => {
        this.lastWritten.delete(keyId);
        this.logger.warn(`Could not note the last use of key ${keyId}: ${error.message}`);
      },
    );
    this.writing.add(write);
    void write.finally(() => this.writing.delete(write));
  }

  async endpointsOf(keyId: string): Promise<string[]> {
    const links = await this.dataSource
      .getRepository(ApiKeyEndpointEntity)
      .find({ where: { keyId }, order: { endpointId: 'ASC' } });

    return links.map((link) => link.endpointId);
  }

  /** Whether the delivery went to an endpoint linked to the key (false when there is none). */
  async ownsDelivery(keyId: string, deliveryId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM "deliveries" d
         JOIN "api_key_endpoints" l ON l."endpoint_id" = d."endpoint_id"
        WHERE d."id" = ? AND l."key_id" = ?`,
      [deliveryId, keyId],
    );

    return rows.length > 0;
  }

  /** Lets the last-use writes in flight finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  private async find(id: string, manager?: EntityManager): Promise<ApiKeyEntity> {
    const repository = (manager ?? this.dataSource.manager).getRepository(ApiKeyEntity);
    const found = await repository.findOneBy({ id });
    if (!found) {
      throw new NotFoundError('api_key', id);
    }

    return found;
  }
}

function rejected(code: 'api_key_invalid' | 'api_key_revoked', message: string): Identity {
  return { kind: 'rejected', code, message };
}

function checkEndpointsApply(role: Role, endpointIds: string[]): void {
  if (endpointIds.length > 0 && role !== ENDPOINT_ROLE) {
    throw new UserError(
      'api_key_endpoints_unused',
      `Only ${ENDPOINT_ROLE} keys are limited to endpoints; a ${role} key reads every delivery ` +
        'its role allows. Leave endpointIds out.',
      400,
      [{ path: '$.endpointIds', message: `only for ${ENDPOINT_ROLE} keys` }],
    );
  }
}

async function requireEndpoints(manager: EntityManager, endpointIds: string[]): Promise<void> {
  if (endpointIds.length === 0) {
    return;
  }
  const found = await manager
    .getRepository(EndpointEntity)
    .find({ select: { id: true }, where: { id: In(endpointIds) } });
  const known = new Set(found.map((endpoint) => endpoint.id));
  const missing = endpointIds.findIndex((id) => !known.has(id));
  if (missing >= 0) {
    throw new UserError(
      'endpoint_not_found',
      `No endpoint with id "${endpointIds[missing]}".`,
      404,
      [{ path: `$.endpointIds[${missing}]`, message: 'no such endpoint' }],
    );
  }
}

async function linkEndpoints(
  manager: EntityManager,
  keyId: string,
  endpointIds: string[],
): Promise<void> {
  if (endpointIds.length > 0) {
    await manager.insert(
      ApiKeyEndpointEntity,
      endpointIds.map((endpointId) => ({ keyId, endpointId })),
    );
  }
}
