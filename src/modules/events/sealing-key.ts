import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { SEALING_KEY_BYTES } from './secret-box';

/** Name of the key file made in the data folder when no key is configured. */
export const SEALING_KEY_FILE = 'secrets.key';

/**
 * The key that seals integration secrets: `BULLSEYE_SECRETS_KEY` when set, else the key file
 * in the data folder, made on first use (owner-only). Losing the key makes every integration
 * secret unreadable: rotate them all then.
 */
@Injectable()
export class SealingKey {
  private readonly logger = new Logger(SealingKey.name);
  private key: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get(): Buffer {
    this.key ??= this.config.secretsKey
      ? Buffer.from(this.config.secretsKey, 'base64')
      : this.fromFile(path.join(this.config.dataDir, SEALING_KEY_FILE));

    return this.key;
  }

  private fromFile(file: string): Buffer {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(SEALING_KEY_BYTES).toString('base64'), {
        mode: 0o600,
        flag: 'wx',
      });
      this.logger.log(`Made a key for integration secrets in ${file}; back it up with the data`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== SEALING_KEY_BYTES) {
      throw new Error(`The key file ${file} does not hold ${SEALING_KEY_BYTES} base64 bytes.`);
    }

    return key;
  }
}
