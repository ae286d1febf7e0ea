import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { ConflictError, NotFoundError } from '../../common/errors';
import { MultiRowInsert } from '../../database/multi-row-insert';
import { inTransaction } from '../../database/unit-of-work';
import { DeliveryClock } from './clock';
import {
  DeliveryDetailView,
  DeliveryView,
  ListDeliveriesQuery,
  Page,
  toAttemptView,
  toDeliveryView,
} from './delivery.dto';
import type { OutgoingAction } from './delivery.types';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { EndpointEntity } from './entities/endpoint.entity';
import { newDeliveryId } from './ids';
import { planDeliveries, RoutableEndpoint } from './planning';

export interface EnqueueResult {
  /** Messages written to the outbox. */
  deliveries: number;
  /** Actions no enabled endpoint is subscribed to (they are decided, but go nowhere). */
  unrouted: number;
}

/** Messages made ready for the outbox (see `DeliveryService.plan`). */
export interface OutboxWrite extends EnqueueResult {
  /** Writes them through `manager`, the transaction that read the endpoints they go to. */
  write(manager: EntityManager): Promise<EnqueueResult>;
}

/** Which finished deliveries to send again: by id (delivered or dead), or dead letters since. */
interface RestartFilter {
  ids?: string[];
  deadSince?: number;
  endpointId?: string;
}

/** In the order rows are written: what many messages share, then a message's own. */
const OUTBOX_COLUMNS = [
  'endpoint_id',
  'action_type',
  'run_id',
  'campaign_id',
  'status',
  'attempts',
  'schedule_offset',
  'next_attempt_at',
  'created_at',
  'id',
  'payload',
  'decision_ids',
] as const;

/** The outbox: writing messages in a run's transaction, reading them, replaying them. */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: DeliveryClock,
  ) {}

  /**
   * Writes the messages for `actions` through `manager`, the caller's transaction, so they
   * commit or roll back with the decisions that caused them. Each action goes to every
   * enabled endpoint subscribed to its type; `ad` actions are grouped for endpoints with a
   * batch size. Rows go in multi-row statements, thousands at a time.
   */
  async enqueue(
    manager: EntityManager,
    actions: readonly OutgoingAction[],
  ): Promise<EnqueueResult> {
    if (actions.length === 0) {
      return { deliveries: 0, unrouted: 0 };
    }

    return this.plan(actions, await this.routes(manager)).write(manager);
  }

  /**
   * The messages for `actions` to the enabled endpoints `routes` (see `routes`), made ready
   * to be written by `write` in the transaction that read those endpoints: what `enqueue`
   * does, in two steps, so that a caller can build the messages before its transaction.
   */
  plan(actions: readonly OutgoingAction[], routes: readonly RoutableEndpoint[]): OutboxWrite {
    const now = this.clock.now();
    const planned = planDeliveries(actions, routes, new Date(now));
    const insert = new MultiRowInsert('deliveries', OUTBOX_COLUMNS);
    for (const p of planned) {
      insert.begin();
      const shared = insert.fragment(
        `${p.endpointId}\u0000${p.actionType}\u0000${p.runId}\u0000${p.campaignId}`,
        () =>
          `${insert.shared(p.endpointId)}, ${insert.value(p.actionType)}, ` +
          `${insert.shared(p.runId)}, ${insert.shared(p.campaignId)}, 'pending', 0, 0, ` +
          `${now}, ${now}`,
      );
      insert.add(
        `(${shared}, ${insert.value(newDeliveryId())}, ` +
          `${insert.bind(JSON.stringify(p.envelope))}, ` +
          `${insert.value(JSON.stringify(p.decisionIds))})`,
      );
    }
    insert.build();

    const subscribed = new Set(routes.flatMap((e) => e.actionTypes));
    const unrouted = actions.filter((a) => !subscribed.has(a.type)).length;
    const result: EnqueueResult = { deliveries: planned.length, unrouted };

    return {
      ...result,
      write: async (manager) => {
        await insert.execute(manager);
        if (unrouted > 0) {
          this.logger.warn(`${unrouted} action(s) of run ${actions[0].runId} have no endpoint`);
        }

        return result;
      },
    };
  }

  /** The enabled endpoints: where `plan` routes messages. */
  routes(manager: EntityManager): Promise<RoutableEndpoint[]> {
    return manager.find(EndpointEntity, { where: { enabled: true } });
  }

  async list(query: ListDeliveriesQuery): Promise<Page<DeliveryView>> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const where = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.endpointId ? { endpointId: query.endpointId } : {}),
      ...(query.runId ? { runId: query.runId } : {}),
    };
    const [rows, total] = await this.dataSource.manager.findAndCount(DeliveryEntity, {
      where,
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });

    return { items: rows.map(toDeliveryView), total, limit, offset };
  }

  async get(id: string): Promise<DeliveryDetailView> {
    const delivery = await this.dataSource.manager
      .createQueryBuilder(DeliveryEntity, 'd')
      .addSelect('d.payload')
      .where('d.id = :id', { id })
      .getOne();
    if (!delivery) {
      throw new NotFoundError('delivery', id);
    }

    const attempts = await this.dataSource.manager.find(DeliveryAttemptEntity, {
      where: { deliveryId: id },
      order: { attempt: 'ASC', id: 'ASC' },
    });

    return {
      ...toDeliveryView(delivery),
      payload: JSON.parse(delivery.payload) as unknown,
      attemptLog: attempts.map(toAttemptView),
    };
  }

  /**
   * Sends a delivered or dead message again, with the same webhook id and a fresh retry
   * schedule. An endpoint that is disabled receives it once it is enabled again.
   */
  async replay(id: string): Promise<DeliveryView> {
    const delivery = await this.dataSource.manager.findOne(DeliveryEntity, { where: { id } });
    if (!delivery) {
      throw new NotFoundError('delivery', id);
    }
    if (delivery.status === 'pending' || delivery.status === 'in_flight') {
      throw new ConflictError(
        'delivery_not_finished',
        `Delivery "${id}" is ${delivery.status} and will be attempted anyway; ` +
          'replay is for delivered or dead messages.',
      );
    }
    const endpointExists = await this.dataSource.manager.exists(EndpointEntity, {
      where: { id: delivery.endpointId },
    });
    if (!endpointExists) {
      throw new ConflictError(
        'delivery_endpoint_deleted',
        `Delivery "${id}" went to endpoint "${delivery.endpointId}", which was deleted.`,
      );
    }
    const [{ erased }]: { erased: number | null }[] = await this.dataSource.query(
      `SELECT json_extract("payload", '$.erased') AS "erased" FROM "deliveries" WHERE "id" = ?`,
      [id],
    );
    if (erased) {
      throw new ConflictError(
        'delivery_erased',
        `Delivery "${id}" was about a customer since erased; only its tombstone is kept.`,
      );
    }

    await this.restart({ ids: [id] });
    this.logger.log(`Delivery ${id} replayed`);

    return toDeliveryView(await this.dataSource.manager.findOneByOrFail(DeliveryEntity, { id }));
  }

  /** Replays every dead letter that died at or after `since` (of one endpoint, if given). */
  async replayDeadSince(since: Date, endpointId?: string): Promise<{ replayed: number }> {
    const replayed = await this.restart({ deadSince: since.getTime(), endpointId });
    this.logger.log(`${replayed} dead letter(s) since ${since.toISOString()} replayed`);

    return { replayed };
  }

  private restart(filter: RestartFilter): Promise<number> {
    return inTransaction(this.dataSource, async (manager) => {
      const result = await this.restartQuery(manager, filter).execute();

      return result.affected ?? 0;
    });
  }

  private restartQuery(manager: EntityManager, filter: RestartFilter) {
    const query = manager
      .createQueryBuilder()
      .update(DeliveryEntity)
      .set({
        status: 'pending',
        nextAttemptAt: new Date(this.clock.now()),
        scheduleOffset: () => '"attempts"',
        deliveredAt: null,
        deadAt: null,
      })
      .where({ status: In(filter.ids ? ['delivered', 'dead'] : ['dead']) })
      .andWhere('"endpoint_id" IN (SELECT "id" FROM "endpoints")')
      // The tombstone of an erased customer's message is never sent.
      .andWhere(`json_extract("payload", '$.erased') IS NULL`);
    if (filter.ids) {
      query.andWhere({ id: In(filter.ids) });
    }
    if (filter.deadSince !== undefined) {
      query.andWhere('"dead_at" >= :since', { since: filter.deadSince });
    }
    if (filter.endpointId) {
      query.andWhere({ endpointId: filter.endpointId });
    }

    return query;
  }
}
