import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ModelsService } from './models.service';
import { PluginInfo } from './plugin-registry.service';

@ApiTags('models')
@Controller('plugins')
export class PluginsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOkResponse({ description: 'Loaded model plugins with their hyperparameter schemas.' })
  list(): PluginInfo[] {
    return this.models.listPlugins();
  }
}
