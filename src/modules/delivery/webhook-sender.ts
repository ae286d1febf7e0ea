import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { AttemptResponse } from './retry';
import type { WebhookHeaders } from './signing';

const USER_AGENT = 'Bullseye-Webhooks/0.1';

/**
 * Sends one signed message and reports what came back. One keep-alive connection pool for
 * all endpoints; redirects are never followed (a 3xx is returned as such); the timeout
 * covers connecting, the response head and its body.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: config.deliveryConcurrency,
      connect: { timeout: config.deliveryTimeoutMs },
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
