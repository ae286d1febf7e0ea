import type { IncomingHttpHeaders } from 'node:http';
import compress from '@fastify/compress';
import multipart from '@fastify/multipart';
import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { UserError } from '../../common/errors';
import type { AppConfig } from '../../config/config';

/** The content encodings a request body may come in. */
const REQUEST_ENCODINGS: ('gzip' | 'deflate' | 'br')[] = ['gzip', 'deflate', 'br'];

/**
 * What every HTTP request meets before any route runs: helmet's security headers, CORS only
 * for the origins configured, gzip, deflate and brotli bodies inflated (a body is limited to
 * `bodyLimitBytes` once inflated, so a small bomb is still a 413), and JSON only in UTF-8.
 * Dataset uploads are multipart, read as a stream with their own limit
 * (DatasetUploadInterceptor). Call it before the application is initialised.
 */
export async function secureHttp(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'corsOrigins' | 'uploadLimitBytes'>,
): Promise<void> {
  // Without upgrade-insecure-requests, so /docs still loads its scripts over plain http
  // (http://127.0.0.1:3000 by default). One helmet for every request, on the raw response:
  // @fastify/helmet builds a new one a request (its CSP parsed anew each time), which was a
  // quarter of the cost of POST /score.
  const headers = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) =>
    headers(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
  );
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
  fastify.addHook('onRequest', refuseOtherCharsets);
  // One file a request, in the field "file"; other parts are refused by the interceptor.
  await app.register(multipart, {
    limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 20 },
  });
}

/**
 * Fastify reads text bodies as UTF-8 whatever charset they name; one that names another is
 * refused rather than misread.
 */
function refuseOtherCharsets(request: FastifyRequest, _reply: FastifyReply, done: () => void) {
  const type = request.headers['content-type'];
  const charset = type?.includes('charset') ? /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type) : null;
  if (charset && !/^utf-?8$/i.test(charset[1])) {
    throw new UserError(
      'unsupported_media_type',
      `The body's charset "${charset[1]}" is not one this API reads; send it as UTF-8.`,
      415,
    );
  }
  done();
}

/**
 * Fastify's settings: the body limit, request ids taken from `x-request-id`, `__proto__` and
 * `constructor.prototype` keys dropped from JSON bodies (never read, not an error), and a
 * URL that cannot be decoded answered in the API's error format.
 */
export function httpAdapterOptions(
  config: Pick<AppConfig, 'bodyLimitBytes'>,
  requestId: (request: { headers: IncomingHttpHeaders }) => string,
): FastifyServerOptions {
  return {
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestId,
    logger: false,
    // `/campaigns/` is `/campaigns`; a path id may be long (an email is one).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    frameworkErrors: (error: FastifyError, _request, reply: FastifyReply) => {
      void (reply as FastifyReply).code(error.statusCode ?? 400).send({
        error: {
          code: 'bad_request',
          message: `The URL cannot be read (${error.message}); percent-encode it correctly.`,
          details: [],
        },
      });
    },
  };
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(2)} MB` : `${bytes} bytes`;
}
