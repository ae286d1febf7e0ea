import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { loadTensorFlow } from '../../common/tensorflow';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Public } from '../access/roles';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'The database and the TensorFlow.js backend in use.' })
  async health(): Promise<Record<string, unknown>> {
    const database = await this.checkDatabase();
    const tensorflow = await loadTensorFlow(this.config.tfBackend).then(
      (runtime) => ({ ok: true, backend: runtime.backend, fallbackReason: runtime.fallbackReason }),
      (error: Error) => ({ ok: false, backend: null, error: error.message }),
    );

    return { status: database.ok && tensorflow.ok ? 'ok' : 'degraded', database, tensorflow };
  }

  private async checkDatabase(): Promise<Record<string, unknown>> {
    try {
      const [{ journal_mode: journalMode }] = await this.dataSource.query('PRAGMA journal_mode');
      const pending = await this.dataSource.showMigrations();

      return {
        ok: true,
        type: 'sqlite',
        file: this.config.databaseFile,
        journalMode,
        pendingMigrations: pending,
      };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}
