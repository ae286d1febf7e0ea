import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import compress from '@fastify/compress';
import multipart from '@fastify/multipart';
import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { UserError } from '../../common/errors';
import type { AppConfig } from '../../config/config';

/** The content encodings a request body may come in. */
const REQUEST_ENCODINGS: ('gzip' | 'deflate' | 'br')[] = ['gzip', 'deflate', 'br'];

/**
 * helmet's security headers, one instance for every answer, set on the raw response:
 * @fastify/helmet builds a new one a request (its CSP parsed anew each time), about 15 µs of
 * a POST /score. Without upgrade-insecure-requests, so /docs still loads its scripts over
 * plain http (http://127.0.0.1:3000 by default).
 */
const securityHeaders = helmet({
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
});

function setSecurityHeaders(raw: IncomingMessage, response: ServerResponse): void {
  securityHeaders(raw, response, () => undefined);
}

/**
 * What every HTTP request meets before any route runs: helmet's security headers, CORS only
 * for the origins configured, gzip, deflate and brotli bodies inflated (a body is limited to
 * `bodyLimitBytes` once inflated, so a small bomb is still a 413), and JSON only in UTF-8.
 * Dataset uploads are multipart, read as a stream with their own limit
 * (DatasetUploadInterceptor), and never compressed. Call it before the application is
 * initialised.
 */
export async function secureHttp(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'corsOrigins' | 'uploadLimitBytes'>,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(request.raw, reply.raw);
    // /docs/ would load the page's scripts from /docs/docs/…
    if (request.url === '/docs/' || request.url.startsWith('/docs/?')) {
      void reply.redirect('/docs', 301);

      return;
    }
    readableBody(request);
    done();
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      exposedHeaders: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
      maxAge: 600,
    });
  }
  // Answers are not compressed (globalCompression); request bodies are inflated.
  await app.register(compress, {
    globalCompression: false,
    requestEncodings: REQUEST_ENCODINGS,
    onUnsupportedRequestEncoding: (encoding: string) =>
      new UserError(
        'unsupported_media_type',
        `The body's content encoding "${encoding}" is not one this API reads; send it ` +
          `uncompressed or as ${REQUEST_ENCODINGS.join(', ')}.`,
        415,
      ),
    // Its fields are copied onto zlib's error, which Nest then reads as Fastify's 400.
    onInvalidRequestPayload: (encoding: string, _request: unknown, error: Error) =>
      Object.assign(new Error(), {
        name: 'FastifyError',
        code: 'FST_ERR_BAD_CONTENT_ENCODING',
        statusCode: 400,
        message: `The body is not valid ${encoding} (${error.message}); send it as Content-Encoding says.`,
      }),
  });
  // One file a request, in the field "file"; other parts are refused by the interceptor.
  await app.register(multipart, {
    limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 20 },
  });
}

/**
 * Content-Encoding and charset as the rest of the chain reads them: the encoding's name in
 * lower case and `identity` dropped (RFC 9110: both are so), an upload refused if it is
 * compressed (the multipart reader takes the bytes as they come), and a text body refused if
 * it names a charset other than UTF-8, which is the only one Fastify reads it as.
 */
function readableBody(request: FastifyRequest): void {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined) {
    const codings = encoding
      .toLowerCase()
      .split(',')
      .map((coding) => coding.trim())
      .filter((coding) => coding !== '' && coding !== 'identity');
    if (codings.length === 0) {
      delete request.headers['content-encoding'];
    } else {
      request.headers['content-encoding'] = codings.join(', ');
    }
  }
  const type = request.headers['content-type']?.toLowerCase();
  if (type === undefined) {
    return;
  }
  if (request.headers['content-encoding'] && type.startsWith('multipart/')) {
    throw new UserError(
      'unsupported_media_type',
      'Send an upload uncompressed, without Content-Encoding (compress the file itself, ' +
        'e.g. as .csv.gz, only if the import reads it).',
      415,
    );
  }
  const charset = type.includes('charset') ? /;\s*charset\s*=\s*"?([^";\s]*)/.exec(type) : null;
  if (charset && charset[1] !== 'utf-8' && charset[1] !== 'utf8') {
    throw new UserError(
      'unsupported_media_type',
      `The body's charset "${charset[1]}" is not one this API reads; send it as UTF-8.`,
      415,
    );
  }
}

/**
 * Fastify's settings: the body limit, request ids taken from `x-request-id`, `__proto__` and
 * `constructor.prototype` keys dropped from JSON bodies (never read, not an error), and a
 * URL the router cannot read (bad percent-encoding, a segment over 1,024 characters)
 * answered in the API's error format, with the security headers and a request line, and
 * without the path echoed (it may hold a customer's id).
 */
export function httpAdapterOptions(
  config: Pick<AppConfig, 'bodyLimitBytes'>,
  requestId: (request: { headers: IncomingHttpHeaders }) => string,
  logger: Pick<Logger, 'info'>,
): FastifyServerOptions {
  return {
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestId,
    logger: false,
    // `/campaigns/` is `/campaigns`; a path id may be long (an email is one).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    frameworkErrors: (error: FastifyError, request, reply: FastifyReply) => {
      const tooLong = error.statusCode === 414;
      const status = tooLong ? 414 : 400;
      setSecurityHeaders(request.raw, reply.raw);
      void (reply as FastifyReply).code(status).send({
        error: {
          code: tooLong ? 'uri_too_long' : 'bad_request',
          message: tooLong
            ? 'A segment of the URL is longer than 1,024 characters; no id is that long.'
            : 'The URL cannot be read: percent-encode it correctly (% and two hex digits).',
          details: [],
        },
      });
      // Without the URL, which may hold a customer's id and cannot be read to mask it.
      logger.info(
        {
          // The serializer reads the peer's address off the socket.
          req: { id: request.id, method: request.method, socket: request.raw.socket },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    },
  };
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(2)} MB` : `${bytes} bytes`;
}
