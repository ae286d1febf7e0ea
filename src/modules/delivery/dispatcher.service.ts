import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { DeliveryClock } from './clock';
import {
  AttemptRow,
  ClaimedBatch,
  ClaimedDelivery,
  EndpointTarget,
  OutboxStore,
  OutcomeRow,
  RecordInput,
} from './outbox.store';
import { AttemptResponse, settleAttempt } from './retry';
import { webhookHeaders } from './signing';
import { WebhookSender } from './webhook-sender';

/** What one drain did. `retrying` failed and wait for their next attempt. */
export interface DrainResult {
  attempted: number;
  delivered: number;
  retrying: number;
  dead: number;
  /** Claimed but handed back unsent, because their endpoint answered 410 meanwhile. */
  released: number;
}

/** Deliveries leased by one claim, as a multiple of the concurrency. */
const CLAIM_FACTOR = 8;

/** A new claim is made when fewer than this many deliveries a worker are left to send. */
const REFILL_FACTOR = 2;

/** Results are written once this many are waiting, or when the oldest has waited this long. */
const FLUSH_AFTER_MS = 500;

/** Room in a lease beyond the longest a delivery can wait and be sent, for writing results. */
const LEASE_MARGIN_MS = 30_000;

export interface Claim extends ClaimedBatch {
  readonly leaseToken: string;
}

export interface SentClaim extends RecordInput {
  readonly counts: DrainResult;
}

/** What the deliveries of one drain share: counts, endpoints found gone, the result buffer. */
interface DrainContext {
  readonly counts: DrainResult;
  readonly gone: Set<string>;
  buffer(): ResultBuffer;
}

interface EndpointFailures {
  failed: number;
  dead: number;
  firstError: string;
}

/** Results not yet written, and the failures to report when they are. */
interface ResultBuffer {
  readonly attempts: AttemptRow[];
  readonly outcomes: OutcomeRow[];
  readonly released: { id: string; leaseToken: string }[];
  readonly goneEndpoints: Map<string, string>;
  readonly failures: Map<string, EndpointFailures>;
  readonly since: number;
}

/**
 * Takes due deliveries from the outbox and sends them: claim (lease) → sign and send with
 * bounded concurrency → record every attempt and the new state. A crash after sending and
 * before recording leaves the lease to run out, and the message goes again with the same
 * webhook id: at least once, never lost. Runs in the background unless disabled by config;
 * `drain()` delivers everything due now and is what tests and the CLI call.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DispatcherService.name);
  private current: Promise<DrainResult> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly sender: WebhookSender,
    private readonly clock: DeliveryClock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * How long a claim holds its deliveries. A claimed delivery waits behind at most
   * `CLAIM_FACTOR + REFILL_FACTOR` deliveries a worker, each of which may take the whole
   * timeout, then takes its own and waits for its result to be written.
   */
  get leaseMs(): number {
    const attempts = CLAIM_FACTOR + REFILL_FACTOR + 2;

    return attempts * this.config.deliveryTimeoutMs + LEASE_MARGIN_MS;
  }

  onApplicationBootstrap(): void {
    if (!this.config.dispatcherEnabled) {
      return;
    }

    this.logger.log(
      `Dispatcher started: concurrency ${this.config.deliveryConcurrency}, ` +
        `poll every ${this.config.dispatcherPollMs} ms`,
    );
    this.scheduleTick(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }

    await this.current?.catch(() => undefined);
  }

  /** Delivers everything due now; drains never overlap. */
  drain(): Promise<DrainResult> {
    const previous = this.current?.catch(() => undefined) ?? Promise.resolve();
    const run = previous.then(() => this.drainDue());
    this.current = run;

    return run;
  }

  /** Leases the next due deliveries. Public, with `send` and `record`, to test a crash. */
  async claim(): Promise<Claim> {
    const now = this.clock.now();
    const leaseToken = randomUUID();
    const limit = this.config.deliveryConcurrency * CLAIM_FACTOR;
    const batch = await this.store.claim(now, limit, now + this.leaseMs, leaseToken);

    return { leaseToken, ...batch };
  }

  /** Signs and sends all of one claim's deliveries, without writing anything. */
  async send(claim: Claim): Promise<SentClaim> {
    const buffer = this.newBuffer();
    const context = { counts: emptyCounts(), gone: new Set<string>(), buffer: () => buffer };
    await forEachConcurrently(claim.deliveries, this.config.deliveryConcurrency, (delivery) =>
      this.handle(delivery, claim.targets.get(delivery.endpointId), context),
    );

    return { ...buffer, now: this.clock.now(), counts: context.counts };
  }

  /** Writes sent results. */
  async record(sent: RecordInput): Promise<void> {
    await this.store.record(sent);
  }

  /**
   * Workers take claimed deliveries from a queue that is topped up by a new claim whenever it
   * runs low, and results are written in batches while the sending goes on, so no worker
   * waits for the slowest delivery of a claim or for the database. Ends when a claim comes
   * back empty (or the app stops); what was claimed but not sent is handed back.
   */
  private async drainDue(): Promise<DrainResult> {
    const counts = emptyCounts();
    const context: DrainContext = { counts, gone: new Set(), buffer: () => buffer };
    const queue: { delivery: ClaimedDelivery; target: EndpointTarget | undefined }[] = [];
    const concurrency = this.config.deliveryConcurrency;
    const flushSize = concurrency * CLAIM_FACTOR;
    let buffer = this.newBuffer();
    let exhausted = false;
    let failure: unknown = null;
    let refilling: Promise<void> | null = null;
    let writing: Promise<void> = Promise.resolve();

    const fail = (error: unknown): void => {
      failure ??= error;
      exhausted = true;
    };
    const refill = (): Promise<void> => {
      refilling ??= this.claim()
        .then((claim) => {
          exhausted = claim.deliveries.length === 0;
          for (const delivery of claim.deliveries) {
            queue.push({ delivery, target: claim.targets.get(delivery.endpointId) });
          }
        })
        .catch(fail)
        .finally(() => {
          refilling = null;
        });

      return refilling;
    };
    const flush = (): void => {
      const batch = buffer;
      buffer = this.newBuffer();
      this.reportFailures(batch);
      writing = writing
        .then(() => (failure ? undefined : this.record({ ...batch, now: this.clock.now() })))
        .catch(fail);
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        if (!exhausted && !this.stopped && queue.length <= concurrency * REFILL_FACTOR) {
          const topping = refill();
          if (queue.length === 0) {
            await topping;
          }
        }
        const item = queue.shift();
        if (!item) {
          if (exhausted || this.stopped) {
            return;
          }
          continue;
        }

        await this.handle(item.delivery, item.target, context).catch(fail);
        const waiting = buffer.outcomes.length + buffer.released.length;
        if (waiting >= flushSize || this.clock.now() - buffer.since >= FLUSH_AFTER_MS) {
          flush();
        }
      }
    };

    await Promise.all(Array.from({ length: concurrency }, worker));
    await refilling;
    for (const { delivery } of queue.splice(0)) {
      buffer.released.push({ id: delivery.id, leaseToken: delivery.leaseToken });
      counts.released++;
    }
    flush();
    await writing;
    if (failure) {
      throw failure;
    }

    return counts;
  }

  /** Attempts one delivery (or hands it back) and puts the result in the current buffer. */
  private async handle(
    delivery: ClaimedDelivery,
    target: EndpointTarget | undefined,
    context: DrainContext,
  ): Promise<void> {
    const { counts, gone } = context;
    if (!target || gone.has(target.id)) {
      context.buffer().released.push({ id: delivery.id, leaseToken: delivery.leaseToken });
      counts.released++;

      return;
    }

    const { attempt, outcome, endpointGone } = await this.attempt(delivery, target);
    const buffer = context.buffer();
    buffer.attempts.push(attempt);
    buffer.outcomes.push(outcome);
    counts.attempted++;
    if (outcome.status === 'delivered') {
      counts.delivered++;

      return;
    }

    const dead = outcome.status === 'dead';
    counts[dead ? 'dead' : 'retrying']++;
    const failure = buffer.failures.get(delivery.endpointId) ?? {
      failed: 0,
      dead: 0,
      firstError: attempt.error ?? '',
    };
    failure.failed++;
    failure.dead += dead ? 1 : 0;
    buffer.failures.set(delivery.endpointId, failure);
    if (endpointGone && !gone.has(delivery.endpointId)) {
      const at = new Date(attempt.startedAt).toISOString();
      gone.add(delivery.endpointId);
      buffer.goneEndpoints.set(delivery.endpointId, `answered 410 Gone at ${at}`);
      this.logger.warn(`Endpoint ${delivery.endpointId} answered 410 Gone: disabled`);
    }
  }

  private reportFailures(buffer: ResultBuffer): void {
    for (const [endpointId, failure] of buffer.failures) {
      const dead = failure.dead > 0 ? `, ${failure.dead} now dead letters` : '';
      this.logger.warn(
        `Endpoint ${endpointId}: ${failure.failed} attempt(s) failed${dead}; ` +
          `first error: ${failure.firstError}`,
      );
    }
  }

  private newBuffer(): ResultBuffer {
    return {
      attempts: [],
      outcomes: [],
      released: [],
      goneEndpoints: new Map(),
      failures: new Map(),
      since: this.clock.now(),
    };
  }

  private async attempt(
    delivery: ClaimedDelivery,
    target: EndpointTarget,
  ): Promise<{ attempt: AttemptRow; outcome: OutcomeRow; endpointGone: boolean }> {
    const startedAt = this.clock.now();
    const headers = webhookHeaders(target.keys, {
      id: delivery.id,
      timestamp: Math.floor(startedAt / 1000),
      body: delivery.payload,
    });
    const started = performance.now();
    const response: AttemptResponse = await this.sender.send(target.url, headers, delivery.payload);
    const latencyMs = Math.round(performance.now() - started);

    const now = this.clock.now();
    const settled = settleAttempt({
      attempts: delivery.attempts,
      scheduleOffset: delivery.scheduleOffset,
      response,
      now,
      schedule: this.config.deliveryScheduleMs,
      random: Math.random,
    });

    return {
      attempt: {
        deliveryId: delivery.id,
        attempt: settled.attempts,
        startedAt,
        statusCode: response.statusCode,
        latencyMs,
        error: settled.error,
      },
      outcome: {
        id: delivery.id,
        leaseToken: delivery.leaseToken,
        status: settled.status,
        attempts: settled.attempts,
        scheduleOffset: settled.scheduleOffset,
        nextAttemptAt: settled.nextAttemptAt,
        lastStatus: response.statusCode,
        lastError: settled.error,
        deliveredAt: settled.status === 'delivered' ? now : null,
        deadAt: settled.status === 'dead' ? now : null,
      },
      endpointGone: settled.endpointGone,
    };
  }

  private scheduleTick(delayMs: number): void {
    if (this.stopped) {
      return;
    }

    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.drain();
    } catch (error) {
      this.logger.error({ err: error }, 'Dispatcher pass failed; trying again at the next poll');
    }

    this.scheduleTick(this.config.dispatcherPollMs);
  }
}

function emptyCounts(): DrainResult {
  return { attempted: 0, delivered: 0, retrying: 0, dead: 0, released: 0 };
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      await work(items[next++]);
    }
  };

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
