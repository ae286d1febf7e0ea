import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../access/roles';
import { CampaignView } from './campaign.entity';
import {
  CampaignResponse,
  CreateCampaignDto,
  ListCampaignsQuery,
  RulesDocumentDto,
  RulesDocumentResponse,
  UpdateCampaignDto,
} from './campaigns.dto';
import { CampaignsService, RulesDocument } from './campaigns.service';
import { Audited } from '../access/audit.interceptor';

const INVALID = 'Invalid definition: `campaign_invalid` or `validation_failed`, with JSON paths.';

@ApiTags('campaigns')
@Roles('marketer')
@Controller('campaigns')
@Audited()
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @ApiCreatedResponse({ type: CampaignResponse, description: 'The new campaign, a draft.' })
  @ApiBadRequestResponse({ description: INVALID })
  @ApiConflictResponse({ description: '`campaign_name_taken`' })
  create(@Body() body: CreateCampaignDto): Promise<CampaignView> {
    return this.campaigns.create(body);
  }

  @Get()
  @ApiOkResponse({ type: [CampaignResponse], description: 'Campaigns, newest first.' })
  list(@Query() query: ListCampaignsQuery): Promise<CampaignView[]> {
    return this.campaigns.list({ status: query.status });
  }

  @Get(':id')
  @ApiOkResponse({ type: CampaignResponse })
  @ApiNotFoundResponse({ description: '`campaign_not_found`' })
  get(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: CampaignResponse, description: 'The changed campaign.' })
  @ApiBadRequestResponse({ description: INVALID })
  @ApiConflictResponse({
    description:
      '`campaign_not_editable` (rules, audience or model of an active campaign), ' +
      '`campaign_archived`, `campaign_name_taken`',
  })
  update(@Param('id') id: string, @Body() body: UpdateCampaignDto): Promise<CampaignView> {
    return this.campaigns.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiConflictResponse({ description: '`campaign_not_deletable`: only drafts can be deleted.' })
  remove(@Param('id') id: string): Promise<void> {
    return this.campaigns.remove(id);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'The campaign, now active.' })
  @ApiConflictResponse({
    description:
      '`campaign_transition_invalid`, `campaign_model_has_no_champion`, ' +
      '`campaign_has_no_rules`, `campaign_rules_outdated`, `campaign_ended`',
  })
  activate(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.transition(id, 'activate');
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'The campaign, now paused.' })
  @ApiConflictResponse({ description: '`campaign_transition_invalid`' })
  pause(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.transition(id, 'pause');
  }

  @Post(':id/archive')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'The campaign, now archived for good.' })
  @ApiConflictResponse({ description: '`campaign_transition_invalid`' })
  archive(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.transition(id, 'archive');
  }

  @Get(':id/rules')
  @ApiOkResponse({
    type: RulesDocumentResponse,
    description: 'The rules with the campaign name and revision, to review and import again.',
  })
  exportRules(@Param('id') id: string): Promise<RulesDocument> {
    return this.campaigns.exportRules(id);
  }

  @Put(':id/rules')
  @ApiOkResponse({ type: CampaignResponse, description: 'The campaign with the new revision.' })
  @ApiBadRequestResponse({ description: '`rules_invalid`, with a JSON path per problem.' })
  @ApiConflictResponse({
    description: '`campaign_not_editable` (active), `campaign_archived`, `campaign_rules_stale`',
  })
  importRules(@Param('id') id: string, @Body() body: RulesDocumentDto): Promise<CampaignView> {
    return this.campaigns.importRules(id, body);
  }
}
