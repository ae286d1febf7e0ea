import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceiverTally {
  /** Messages whose signature verified, by path (one path per action type). */
  readonly verified: Record<string, number>;
  /** Customers carried by the verified messages, by path (an ad message carries many). */
  readonly customers: Record<string, number>;
  readonly rejected: number;
  /** Distinct webhook ids seen: a resend of the same message counts once. */
  readonly distinctIds: number;
}

/**
 * A local integration for the demo: one HTTP server on 127.0.0.1 that accepts the messages of
 * each action type on its own path, checks every signature with the independent
 * `standardwebhooks` package, and answers 401 to anything that does not verify.
 */
export class DemoReceiver {
  private readonly server: http.Server;
  private readonly secrets = new Map<string, Webhook>();
  private readonly ids = new Set<string>();
  private readonly verified: Record<string, number> = {};
  private readonly customers: Record<string, number> = {};
  private rejected = 0;

  constructor() {
    this.server = http.createServer((request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 30_000;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;

    return `http://127.0.0.1:${port}`;
  }

  /** The secret messages on `path` must be signed with. */
  expect(path: string, secret: string): void {
    this.secrets.set(path, new Webhook(secret));
  }

  tally(): ReceiverTally {
    return {
      verified: { ...this.verified },
      customers: { ...this.customers },
      rejected: this.rejected,
      distinctIds: this.ids.size,
    };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      const webhook = this.secrets.get(path);
      try {
        if (!webhook) throw new Error(`no endpoint at ${path}`);
        const payload = webhook.verify(body, {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        }) as { data?: { actions?: unknown[] } };
        this.ids.add(String(request.headers['webhook-id']));
        this.verified[path] = (this.verified[path] ?? 0) + 1;
        this.customers[path] = (this.customers[path] ?? 0) + (payload.data?.actions?.length ?? 1);
        response.writeHead(204).end();
      } catch {
        this.rejected += 1;
        response.writeHead(401).end();
      }
    });
  }
}
