/**
 * Delivery throughput: N signed deliveries (default 20,000) from the outbox to a receiver on
 * 127.0.0.1 that verifies every signature with the `standardwebhooks` package. The receiver
 * runs in a child process, as a real integration would, so that it does not share the
 * dispatcher's event loop.
 *
 *   npm run bench:delivery -- 50000
 *
 * Settings come from the environment as for the app (e.g. BULLSEYE_DELIVERY_CONCURRENCY).
 */
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { createContext } from '../src/app';
import { loadConfig } from '../src/config/config';
import { inTransaction } from '../src/database/unit-of-work';
import type { OutgoingAction } from '../src/modules/delivery/delivery.types';
import { DeliveryService } from '../src/modules/delivery/delivery.service';
import { DispatcherService } from '../src/modules/delivery/dispatcher.service';
import { EndpointService } from '../src/modules/delivery/endpoint.service';
import { WebhookReceiver } from '../test/support/receiver';

interface ReceiverCounts {
  received: number;
  verified: number;
}

/** The child process: a receiver that takes its secret from, and reports counts to, the parent. */
async function serveReceiver(): Promise<void> {
  const receiver = await WebhookReceiver.start({ keepRequests: false });
  process.on('message', (message: { secrets?: string[]; report?: boolean }) => {
    if (message.secrets) {
      receiver.secrets = message.secrets;
      process.send?.({ ready: true });
    }
    if (message.report) {
      process.send?.({ received: receiver.received, verified: receiver.verified });
      void receiver.close().then(() => process.exit(0));
    }
  });
  process.send?.({ url: receiver.url() });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve) => child.once('message', (message) => resolve(message as T)));
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-bench-'));
  const config = loadConfig(
    { BULLSEYE_LOG_LEVEL: 'warn', ...process.env },
    // The receiver is a local process over http.
    {
      dataDir,
      dispatcherEnabled: false,
      deliveryAllowHttp: true,
      deliveryAllowedHosts: ['127.0.0.1'],
    },
  );
  const context = await createContext(config);
  const child = fork(__filename, ['--receiver'], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });

  try {
    const { url } = await nextMessage<{ url: string }>(child);
    const endpoint = await context.get(EndpointService).create({
      name: 'Benchmark receiver',
      url,
      actionTypes: ['email'],
    });
    child.send({ secrets: [endpoint.secret] });
    await nextMessage(child);

    const actions: OutgoingAction[] = Array.from({ length: count }, (_, i) => ({
      runId: 'run_bench',
      campaignId: 'bench',
      decisionId: `dec_${i}`,
      customerId: `c-${i}`,
      type: 'email',
      params: { template: 'welcome', offer: 'SPRING10' },
      score: 0.5,
      modelVersion: 'mv_bench',
    }));
    const enqueueStart = performance.now();
    await inTransaction(context.get(DataSource), (manager) =>
      context.get(DeliveryService).enqueue(manager, actions),
    );
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

    const drainStart = performance.now();
    const result = await context.get(DispatcherService).drain();
    const seconds = (performance.now() - drainStart) / 1000;
    child.send({ report: true });
    const receiver = await nextMessage<ReceiverCounts>(child);

    console.log(`enqueued ${count} deliveries in ${enqueueSeconds.toFixed(2)} s`);
    console.log(
      `delivered ${result.delivered} of ${count} in ${seconds.toFixed(2)} s: ` +
        `${Math.round(result.delivered / seconds)} deliveries/s ` +
        `(concurrency ${config.deliveryConcurrency})`,
    );
    console.log(`receiver: ${receiver.received} received, ${receiver.verified} verified`);
    if (result.delivered !== count || receiver.verified !== count) {
      process.exitCode = 1;
    }
  } finally {
    child.kill();
    await context.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

void (process.argv.includes('--receiver') ? serveReceiver() : main());
