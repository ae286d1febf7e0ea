import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers one request: a status (and headers), or never. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly webhookId: string;
  /** Indexes into `secrets` of every secret whose signature checked out. */
  readonly verifiedBy: number[];
  readonly reply: Reply;
}

export interface ReceiverOptions {
  /** Secrets to check signatures with (the `standardwebhooks` package does the checking). */
  secrets?: string[];
  /** Keep every request (headers and body); off in the benchmark, which only counts. */
  keepRequests?: boolean;
}

/**
 * A webhook receiver on 127.0.0.1 for tests: answers from a script of replies (then 200),
 * records what came, and verifies each message with the independent `standardwebhooks`
 * package against the secrets it is given.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  received = 0;
  verified = 0;
  secrets: string[];
  private readonly script: Reply[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly keepRequests: boolean,
    secrets: string[],
  ) {
    this.secrets = secrets;
  }

  static async start(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
    const server = http.createServer({ keepAliveTimeout: 60_000 });
    const receiver = new WebhookReceiver(
      server,
      options.keepRequests ?? true,
      options.secrets ?? [],
    );
    server.on('request', (req, res) => receiver.handle(req, res));
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    return receiver;
  }

  url(path = '/hook'): string {
    const { port } = this.server.address() as AddressInfo;

    return `http://127.0.0.1:${port}${path}`;
  }

  /** Answers the next requests with these replies, in order; later ones get 200. */
  reply(...replies: Reply[]): this {
    this.script.push(...replies);

    return this;
  }

  /** Forgets what came and what was scripted (between tests). */
  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
    this.received = 0;
    this.verified = 0;
  }

  /** The requests that carried this webhook id. */
  withId(webhookId: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.webhookId === webhookId);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verifiedBy = this.verify(req.headers, body);
      const reply = this.script.shift() ?? { status: 200 };
      this.received++;
      if (verifiedBy.length > 0) {
        this.verified++;
      }
      if (this.keepRequests) {
        this.requests.push({
          path: req.url ?? '/',
          headers: req.headers,
          body,
          webhookId: String(req.headers['webhook-id'] ?? ''),
          verifiedBy,
          reply,
        });
      }

      if (reply === 'hang') {
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  }

  private verify(headers: http.IncomingHttpHeaders, body: string): number[] {
    const plain: Record<string, string> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      plain[name] = String(headers[name] ?? '');
    }

    return this.secrets.flatMap((secret, index) => {
      try {
        new Webhook(secret).verify(body, plain);

        return [index];
      } catch {
        return [];
      }
    });
  }
}
