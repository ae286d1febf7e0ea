import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/roles';
import type { PluginLoadFailure } from './plugin-loader';
import { PluginInfo, PluginRegistry } from './plugin-registry.service';

@ApiTags('models')
@Roles('marketer')
@Controller('plugins')
export class PluginsController {
  constructor(private readonly plugins: PluginRegistry) {}

  @Get()
  @ApiOkResponse({
    description:
      'Loaded model plugins (status "loaded") with their manifests and hyperparameter ' +
      'schemas, then the configured plugins that failed to load (status "failed") and why.',
  })
  list(): (PluginInfo | PluginLoadFailure)[] {
    return [...this.plugins.list(), ...this.plugins.listFailures()];
  }
}
