import { Injectable, Logger, SetMetadata } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HttpRequest, routeOf } from '../../common/http';
import { inTransaction } from '../../database/unit-of-work';
import { AuditEntryView, AuditQuery, Page, toAuditEntryView } from './access.dto';
import { customerHash } from '../privacy/erasure-plan';
import { callerOf } from './caller';
import { ApiKeyEntity } from './entities/api-key.entity';
import { AuditEntryEntity } from './entities/audit-entry.entity';

/** The methods that change something, and so are written to the audit log. */
export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const CHANGES_NOTHING = 'bullseye:changes-nothing';

/** Whether a request to a route that `@ChangesNothing` marks leaves everything as it was. */
export type ChangesNothingWhen = (request: HttpRequest) => boolean;

/**
 * Marks a POST that changes nothing — a real-time score, a dry run — so it is left out of
 * the audit log, which is of changes (and would otherwise cost a write per score). `when`
 * narrows it to some requests, as `dryRun` does. A refusal by the access check is written
 * all the same.
 */
export const ChangesNothing = (when: ChangesNothingWhen = () => true) =>
  SetMetadata<string, ChangesNothingWhen>(CHANGES_NOTHING, when);

/**
 * The audit log: one row per mutating request, naming the key and role, the method and
 * route, the ids involved and the status answered. Reads (GET) are not logged here; the
 * request log has them.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes the entry of a request that was answered with `status`; `answer` is the body
   * returned, whose `id` names what was created. A failed write is logged, not thrown:
   * the change it describes has already been made.
   */
  async recordRequest(request: HttpRequest, status: number, answer?: unknown): Promise<void> {
    const caller = callerOf(request);
    const entry: Omit<AuditEntryEntity, 'id'> = {
      at: new Date(),
      keyId: caller?.keyId ?? null,
      role: caller?.role ?? null,
      action: actionOf(request),
      target: targetOf(request, answer),
      status,
      requestId: requestIdOf(request),
    };
    try {
      await inTransaction(this.dataSource, (manager) => manager.insert(AuditEntryEntity, entry));
    } catch (error) {
      this.logger.error({ err: error, action: entry.action }, 'Could not write the audit entry');
    }
  }

  async list(query: AuditQuery): Promise<Page<AuditEntryView>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const builder = this.dataSource
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('entry')
      .leftJoin(ApiKeyEntity, 'apiKey', 'apiKey.id = entry.keyId')
      .addSelect('apiKey.name', 'key_name');
    if (query.keyId !== undefined) {
      builder.andWhere('entry.keyId = :keyId', { keyId: query.keyId });
    }
    if (query.role !== undefined) {
      builder.andWhere('entry.role = :role', { role: query.role });
    }
    if (query.method !== undefined) {
      builder.andWhere('entry.action LIKE :method', { method: `${query.method} %` });
    }
    if (query.route !== undefined) {
      builder.andWhere("entry.action LIKE :route ESCAPE '\\'", {
        route: `%${escapeLike(query.route)}%`,
      });
    }
    if (query.target !== undefined) {
      builder.andWhere("entry.target LIKE :target ESCAPE '\\'", {
        target: `%${escapeLike(JSON.stringify(query.target))}%`,
      });
    }
    if (query.status !== undefined) {
      builder.andWhere('entry.status = :status', { status: query.status });
    }
    if (query.since !== undefined) {
      builder.andWhere('entry.at >= :since', { since: Date.parse(query.since) });
    }
    if (query.until !== undefined) {
      builder.andWhere('entry.at < :until', { until: Date.parse(query.until) });
    }
    const total = await builder.getCount();
    const { entities, raw } = await builder
      .orderBy('entry.id', 'DESC')
      .limit(limit)
      .offset(offset)
      .getRawAndEntities<{ key_name: string | null }>();

    return {
      items: entities.map((entry, index) => toAuditEntryView(entry, raw[index]?.key_name ?? null)),
      total,
      limit,
      offset,
    };
  }
}

/** `POST /campaigns/:id/activate`: the method and the route's pattern, not its values. */
export function actionOf(request: HttpRequest): string {
  return `${request.method} ${routeOf(request)}`;
}

/** The route's parameters, and the `id` of the answer when it names something else. */
export function targetOf(request: HttpRequest, answer: unknown): Record<string, string> {
  const target: Record<string, string> = {};
  const customerRoute = isCustomerRoute(request);
  for (const [name, value] of Object.entries(
    (request.params as Record<string, unknown> | undefined) ?? {},
  )) {
    if (typeof value === 'string') {
      // A customer is named by the hash their erasure is recorded under, never by id: an
      // erasure leaves no row that names the customer.
      target[name] = customerRoute && name === 'id' ? `customer:${customerHash(value)}` : value;
    }
  }
  const answered =
    typeof answer === 'object' && answer !== null ? (answer as { id?: unknown }).id : undefined;
  if (typeof answered === 'string' && !Object.values(target).includes(answered)) {
    target[target.id === undefined ? 'id' : 'resultId'] = answered;
  }

  return target;
}

/** `/customers/:id` and the routes under it. */
function isCustomerRoute(request: HttpRequest): boolean {
  return /^\/customers\/:id(\/|$)/.test(routeOf(request));
}

function requestIdOf(request: HttpRequest): string | null {
  const id = (request as { id?: unknown }).id;

  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 128) : null;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
