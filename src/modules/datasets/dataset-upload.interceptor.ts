import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer, { MulterError } from 'multer';
import { finalize, Observable } from 'rxjs';
import { UserError } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/config';

/**
 * Receives the `file` field of a multipart upload into a temporary file under
 * `<dataDir>/uploads` (never into memory), and deletes that file once the request is
 * answered, whether the import worked or not.
 */
@Injectable()
export class DatasetUploadInterceptor implements NestInterceptor {
  private readonly logger = new Logger(DatasetUploadInterceptor.name);
  private readonly receive: RequestHandler;
  private readonly limitBytes: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const directory = path.join(config.dataDir, 'uploads');
    fs.mkdirSync(directory, { recursive: true });
    this.limitBytes = config.uploadLimitBytes;
    this.receive = multer({
      dest: directory,
      limits: { fileSize: config.uploadLimitBytes, files: 1 },
    }).single('file');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    await new Promise<void>((resolve, reject) =>
      this.receive(request, http.getResponse<Response>(), (error: unknown) =>
        error ? reject(this.toUserError(error)) : resolve(),
      ),
    );
    const upload = request.file?.path;

    return next.handle().pipe(finalize(() => this.remove(upload)));
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
    if (!(error instanceof MulterError)) {
      return error instanceof Error && /multipart|form|boundary/i.test(error.message)
        ? new UserError('dataset_upload_invalid', `The upload cannot be read: ${error.message}.`)
        : error;
    }
    if (error.code === 'LIMIT_FILE_SIZE') {
      const megabytes = (this.limitBytes / 1024 / 1024).toFixed(1);

      return new UserError(
        'dataset_too_large',
        `The file is larger than the upload limit of ${megabytes} MB (BULLSEYE_UPLOAD_LIMIT_MB); ` +
          'import it with the CLI or raise the limit.',
        413,
        [{ field: 'file', message: `more than ${this.limitBytes} bytes` }],
      );
    }

    return new UserError(
      'dataset_upload_invalid',
      `Send one file in the multipart field "file" (${error.message}).`,
      400,
      [{ field: error.field ?? 'file', message: error.message }],
    );
  }
}
