import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import {
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { finalize, Observable } from 'rxjs';
import { UserError } from '../../common/errors';
import type { HttpRequest } from '../../common/http';
import { APP_CONFIG, AppConfig } from '../../config/config';

/** The file of an upload, as the controller receives it (`@UploadedFile()`). */
export interface ReceivedUpload {
  /** Where the bytes are, under `<dataDir>/uploads`. */
  readonly path: string;
  /** The file name the client sent. */
  readonly originalname: string;
}

const uploads = new WeakMap<object, ReceivedUpload>();

/** The file DatasetUploadInterceptor received for this request; `undefined` without one. */
export const UploadedDataset = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ReceivedUpload | undefined =>
    uploads.get(context.switchToHttp().getRequest<HttpRequest>()),
);

/**
 * Receives the `file` field of a multipart upload into a temporary file under
 * `<dataDir>/uploads` (streamed, never held in memory) and the other fields into the body,
 * and deletes that file once the request is answered, whether the import worked or not.
 */
@Injectable()
export class DatasetUploadInterceptor implements NestInterceptor {
  private readonly logger = new Logger(DatasetUploadInterceptor.name);
  private readonly directory: string;
  private readonly limitBytes: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.directory = path.join(config.dataDir, 'uploads');
    fs.mkdirSync(this.directory, { recursive: true });
    this.limitBytes = config.uploadLimitBytes;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (!request.isMultipart()) {
      // No file then: the options in the body are checked, and the controller says so.
      return next.handle();
    }
    const fields: Record<string, string> = {};
    let upload: ReceivedUpload | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== 'file' || upload !== undefined) {
          part.file.resume();
          throw unexpectedFile(part.fieldname);
        }
        // A part without a file name still makes a dataset with a name.
        upload = {
          path: path.join(this.directory, randomUUID()),
          originalname: part.filename.trim() || 'upload',
        };
        await pipeline(part.file, fs.createWriteStream(upload.path));
      }
    } catch (error) {
      this.remove(upload?.path);
      throw this.toUserError(error);
    }
    request.body = fields;
    if (upload !== undefined) {
      uploads.set(request, upload);
    }

    return next.handle().pipe(finalize(() => this.remove(upload?.path)));
  }

  private remove(upload: string | undefined): void {
    if (upload === undefined) {
      return;
    }
    try {
      // Synchronous, so the file is gone by the time the answer reaches the client.
      fs.rmSync(upload, { force: true });
    } catch (error) {
      this.logger.warn(`Could not delete upload ${upload}: ${(error as Error).message}`);
    }
  }

  private toUserError(error: unknown): unknown {
    if (error instanceof UserError) {
      return error;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ECONNRESET' || (error as Error | null)?.message === 'aborted') {
      // The client went away mid-upload: its mistake, not a fault of ours, though no one
      // reads the answer.
      return new UserError(
        'dataset_upload_aborted',
        'The upload ended before the whole file arrived (the connection closed); send it again.',
        400,
        [{ field: 'file', message: 'cut short' }],
      );
    }
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      const megabytes = (this.limitBytes / 1024 / 1024).toFixed(1);

      return new UserError(
        'dataset_too_large',
        `The file is larger than the upload limit of ${megabytes} MB (BULLSEYE_UPLOAD_LIMIT_MB); ` +
          'import it with the CLI or raise the limit.',
        413,
        [{ field: 'file', message: `more than ${this.limitBytes} bytes` }],
      );
    }
    if (typeof code === 'string' && /^FST_(FILES|FIELDS|PARTS)_LIMIT$/.test(code)) {
      return unexpectedFile('file', (error as Error).message);
    }
    if (error instanceof Error && /multipart|form|boundary|part/i.test(error.message)) {
      return new UserError(
        'dataset_upload_invalid',
        `The upload cannot be read: ${error.message}.`,
      );
    }

    return error;
  }
}

function unexpectedFile(field: string, why = 'unexpected field'): UserError {
  return new UserError(
    'dataset_upload_invalid',
    `Send one file in the multipart field "file" (${why}).`,
    400,
    [{ field, message: why }],
  );
}
