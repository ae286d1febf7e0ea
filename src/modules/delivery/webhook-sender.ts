import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, buildConnector, request } from 'undici';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AddressGuard } from './address-guard';
import type { AttemptResponse } from './retry';
import type { WebhookHeaders } from './signing';

const USER_AGENT = 'Bullseye-Webhooks/0.1';

/**
 * Sends one signed message and reports what came back. One keep-alive connection pool for
 * all endpoints; redirects are never followed (a 3xx is returned as such); the timeout
 * covers resolving, connecting, the response head and its body. Every new connection goes to
 * an address the `AddressGuard` resolved and allowed; a refusal is a failed attempt.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    guard: AddressGuard,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: config.deliveryConcurrency,
      connect: guardedConnector(guard, config.deliveryTimeoutMs),
    });
  }

  async send(url: string, headers: WebhookHeaders, body: string): Promise<AttemptResponse> {
    const timeoutMs = this.config.deliveryTimeoutMs;
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the answer to the end so that the connection can carry the next message.
      await response.body.dump({ limit: 64 * 1024 });
      const retryAfter = response.headers['retry-after'];

      return {
        statusCode: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : (retryAfter ?? null),
      };
    } catch (error) {
      return { statusCode: null, error: describeTransportError(error, timeoutMs) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy();
  }
}

/**
 * Opens connections to the address the guard allowed rather than to the host name, so no
 * second lookup can answer differently. The URL's host stays the TLS server name, so the
 * certificate is checked against the name, and the `host` header is unchanged.
 */
function guardedConnector(guard: AddressGuard, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs });

  return (options, callback) => {
    guard.connectAddress(options.protocol, options.hostname).then(
      (address) => connect({ ...options, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
}

/** `timeout after 15000 ms`, `connect ECONNREFUSED 127.0.0.1:9`, `ENOTFOUND: …` */
export function describeTransportError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; code?: string | number; message?: string };
  if (err.name === 'TimeoutError' || err.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `timeout after ${timeoutMs} ms`;
  }
  const message = (err.message ?? String(error)).slice(0, 200);

  return typeof err.code === 'string' && !message.includes(err.code)
    ? `${err.code}: ${message}`
    : message;
}
