import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ConflictError, ErrorDetail, NotFoundError, UserError } from '../../common/errors';
import { DatasetsService } from '../datasets/datasets.service';
import type { ModelView } from '../models/model-views';
import { ModelsService } from '../models/models.service';
import { inputColumns } from '../scoring/customer-input';
import { CampaignEntity, CampaignView, campaignView } from './campaign.entity';
import {
  CampaignStatus,
  CampaignTransition,
  checkActivation,
  checkDeletable,
  checkEditable,
  nextStatus,
} from './campaign-lifecycle';
import {
  CampaignDefinition,
  DEFINITION_KEYS,
  campaignInvalid,
  checkRules,
  validateCampaign,
} from './campaign-validation';
import type { CampaignRule, FactType } from './rules';

/** The rules of a campaign as a file to review, diff and import again. */
export interface RulesDocument {
  /** The campaign's name; an import refuses a document of another campaign. */
  readonly campaign: string;
  /** The revision exported; an import refuses a document older than the campaign's rules. */
  readonly revision: number;
  readonly rules: CampaignRule[];
}

/** The parts of a campaign that only change while nothing decides with it. */
const GUARDED_KEYS = ['rules', 'audience', 'modelName'] as const;
const DOCUMENT_KEYS = new Set(['campaign', 'revision', 'rules']);

/**
 * Campaign definitions: create, change and retire them, with every definition validated
 * against the facts its model offers. Runs and real-time decisions read campaigns here.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
  ) {}

  /** Every campaign, newest first; only those in `status` when given. */
  async list(filter: { status?: CampaignStatus } = {}): Promise<CampaignView[]> {
    const entities = await this.repository().find({
      where: filter.status ? { status: filter.status } : {},
      order: { createdAt: 'DESC', id: 'ASC' },
    });

    return entities.map(campaignView);
  }

  /** @throws NotFoundError `campaign_not_found`. */
  async get(id: string): Promise<CampaignView> {
    return campaignView(await this.load(id));
  }

  /** The active campaigns whose dates include `now`, oldest first. */
  async listActive(now: Date = new Date()): Promise<CampaignView[]> {
    const at = now.toISOString();
    const entities = await this.repository()
      .createQueryBuilder('campaign')
      .where('campaign.status = :status', { status: 'active' })
      .andWhere('(campaign.starts_at IS NULL OR campaign.starts_at <= :at)', { at })
      .andWhere('(campaign.ends_at IS NULL OR campaign.ends_at > :at)', { at })
      .orderBy('campaign.created_at', 'ASC')
      .addOrderBy('campaign.id', 'ASC')
      .getMany();

    return entities.map(campaignView);
  }

  /**
   * Validates and stores a new draft campaign.
   *
   * @throws UserError `campaign_invalid` (400, a detail per problem at its JSON path),
   *   ConflictError `campaign_name_taken`.
   */
  async create(input: unknown): Promise<CampaignView> {
    const definition = await this.validate(input);
    await this.checkNameFree(definition.name);

    const now = new Date().toISOString();
    const entity: CampaignEntity = {
      id: randomUUID(),
      ...definition,
      status: 'draft',
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.write(() =>
      this.repository().insert(entity as QueryDeepPartialEntity<CampaignEntity>),
    );
    this.logger.log(`Campaign ${entity.id} "${entity.name}" created as a draft`);

    return campaignView(entity);
  }

  /**
   * Changes the fields present in `patch`. Rules, audience and model change only in draft
   * or paused; sending `rules` makes a new revision.
   *
   * @throws UserError `campaign_invalid` (400), ConflictError `campaign_not_editable`,
   *   `campaign_archived`, `campaign_name_taken` or `campaign_changed`.
   */
  async update(id: string, patch: unknown): Promise<CampaignView> {
    const current = await this.load(id);
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw campaignInvalid([{ path: '$', message: 'a change is a JSON object' }]);
    }
    // An absent field and one set to undefined (as on a DTO instance) both mean "unchanged".
    const changes = Object.fromEntries(
      Object.entries(patch).filter(([, value]) => value !== undefined),
    );
    const guarded = GUARDED_KEYS.filter((key) => Object.hasOwn(changes, key));
    checkEditable(current.status, guarded);

    const definition = await this.validate({ ...definitionOf(current), ...changes });
    if (definition.name !== current.name) {
      await this.checkNameFree(definition.name);
    }
    const rulesWritten = Object.hasOwn(changes, 'rules');
    const updated: CampaignEntity = {
      ...current,
      ...definition,
      revision: current.revision + (rulesWritten ? 1 : 0),
      updatedAt: new Date().toISOString(),
    };
    await this.replace(current, updated);
    this.logger.log(
      `Campaign ${id} changed (${Object.keys(changes).join(', ') || 'nothing'})` +
        (rulesWritten ? `; rules revision ${updated.revision}` : ''),
    );

    return campaignView(updated);
  }

  /**
   * Activates, pauses or archives a campaign. Activation needs a champion for the model,
   * at least one rule, rules that still fit the champion's data and an end date ahead.
   *
   * @throws ConflictError `campaign_transition_invalid`, `campaign_model_has_no_champion`,
   *   `campaign_has_no_rules`, `campaign_rules_outdated`, `campaign_ended` or
   *   `campaign_changed`.
   */
  async transition(
    id: string,
    transition: CampaignTransition,
    now: Date = new Date(),
  ): Promise<CampaignView> {
    const current = await this.load(id);
    const status = nextStatus(current.status, transition);

    if (status === 'active') {
      await this.checkReadyToActivate(current, now);
    }
    const updated: CampaignEntity = { ...current, status, updatedAt: now.toISOString() };
    await this.replace(current, updated);
    this.logger.log(`Campaign ${id}: ${current.status} → ${status}`);

    return campaignView(updated);
  }

  /** @throws ConflictError `campaign_not_deletable` unless the campaign is a draft. */
  async remove(id: string): Promise<void> {
    const current = await this.load(id);
    checkDeletable(current.status);

    const result = await this.repository().delete({ id, status: 'draft' });
    if (result.affected === 0) {
      throw changedMeanwhile(id);
    }
    this.logger.log(`Campaign ${id} deleted`);
  }

  async exportRules(id: string): Promise<RulesDocument> {
    const campaign = await this.load(id);

    return { campaign: campaign.name, revision: campaign.revision, rules: campaign.rules };
  }

  /**
   * Replaces the rules with those of `document`: a `RulesDocument` (paths `$.rules[…]`) or
   * a bare array of rules (paths `$[…]`). Only in draft or paused; bumps the revision.
   *
   * @throws UserError `rules_invalid` (400), ConflictError `campaign_not_editable`,
   *   `campaign_archived`, `campaign_rules_stale` or `campaign_changed`.
   */
  async importRules(id: string, document: unknown): Promise<CampaignView> {
    const current = await this.load(id);
    checkEditable(current.status, ['rules']);

    const { rules, at } = readRulesDocument(document, current);
    const checked = checkRules(rules, await this.factsFor(current), at);
    if (checked.errors.length > 0) {
      throw campaignInvalid(checked.errors, 'rules_invalid');
    }
    const updated: CampaignEntity = {
      ...current,
      rules: checked.rules,
      revision: current.revision + 1,
      updatedAt: new Date().toISOString(),
    };
    await this.replace(current, updated);
    this.logger.log(
      `Campaign ${id}: ${rules.length} rules imported as revision ${updated.revision}`,
    );

    return campaignView(updated);
  }

  /**
   * The customer attributes a campaign's rules and audience may read, with their types:
   * the columns of the dataset the model's champion (else its newest version) was trained
   * on, but the customer id; the version's own inputs when that dataset is gone. The
   * built-in facts (`BUILT_IN_FACTS`: score, decile, contact history) come on top.
   *
   * @throws NotFoundError `model_not_found`.
   */
  async factsFor(
    campaign: Pick<CampaignView, 'modelName'>,
  ): Promise<Readonly<Record<string, FactType>>> {
    const model = await this.models.getModel(campaign.modelName);
    const version = model.versions.find((v) => v.version === model.champion) ?? model.versions[0];
    if (!version) {
      return {};
    }

    try {
      const dataset = await this.datasets.get(version.datasetId);

      return Object.fromEntries(
        dataset.schema.columns.filter((c) => c.role !== 'id').map((c) => [c.name, c.type]),
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const full = await this.models.getVersion(model.name, version.version);

      return Object.fromEntries(inputColumns(full.preprocessing).map((c) => [c.name, c.type]));
    }
  }

  private repository(): Repository<CampaignEntity> {
    return this.dataSource.getRepository(CampaignEntity);
  }

  private async load(id: string): Promise<CampaignEntity> {
    const entity = await this.repository().findOneBy({ id });
    if (!entity) {
      throw new NotFoundError('campaign', id);
    }

    return entity;
  }

  /** Validates a whole definition against the facts of the model it names. */
  private async validate(input: unknown): Promise<CampaignDefinition> {
    const modelName = (input as { modelName?: unknown } | null)?.modelName;
    const extra: ErrorDetail[] = [];
    let facts: Readonly<Record<string, FactType>> | null = null;
    if (typeof modelName === 'string' && modelName !== '') {
      try {
        facts = await this.factsFor({ modelName });
      } catch (error) {
        if (!(error instanceof UserError && error.code === 'model_not_found')) throw error;
        extra.push({
          path: '$.modelName',
          code: 'model_not_found',
          message: `there is no model "${modelName}"; train one or name another`,
        });
      }
    }

    const result = validateCampaign(input, { facts });
    const errors = [...extra, ...(result.ok ? [] : result.errors)];
    if (!result.ok || errors.length > 0) {
      throw campaignInvalid(errors);
    }

    return result.definition;
  }

  private async checkNameFree(name: string): Promise<void> {
    if (await this.repository().existsBy({ name })) {
      throw nameTaken(name);
    }
  }

  private async checkReadyToActivate(campaign: CampaignEntity, now: Date): Promise<void> {
    const model: ModelView = await this.models.getModel(campaign.modelName);
    checkActivation({
      modelName: campaign.modelName,
      hasChampion: model.champion !== null,
      ruleCount: campaign.rules.length,
    });
    if (campaign.endsAt !== null && campaign.endsAt <= now.toISOString()) {
      throw new ConflictError(
        'campaign_ended',
        `The campaign ended at ${campaign.endsAt}; move endsAt to a later time to activate it.`,
        [{ path: '$.endsAt', message: 'in the past' }],
      );
    }

    // The champion may have changed since the rules were written, and with it the data.
    const checked = checkRules(campaign.rules, await this.factsFor(campaign), '$.rules');
    if (checked.errors.length > 0) {
      const error = campaignInvalid(checked.errors, 'rules_invalid');
      throw new ConflictError(
        'campaign_rules_outdated',
        `${error.message} The model's champion no longer offers what the rules read; ` +
          'import fixed rules and activate again.',
        error.details,
      );
    }
  }

  /** Writes `updated` over `current`, unless someone else changed it in between. */
  private async replace(current: CampaignEntity, updated: CampaignEntity): Promise<void> {
    const { id, createdAt: _createdAt, ...changes } = updated;
    const result = await this.write(() =>
      this.repository().update(
        { id, revision: current.revision, status: current.status, updatedAt: current.updatedAt },
        changes as QueryDeepPartialEntity<CampaignEntity>,
      ),
    );
    if (result.affected === 0) {
      throw changedMeanwhile(id);
    }
  }

  /** Runs a write, turning a clash on the unique name into a 409. */
  private async write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (message.includes('UNIQUE constraint failed: campaigns.name')) {
        throw nameTaken('');
      }
      throw error;
    }
  }
}

/** The definition fields of a stored campaign, as `validateCampaign` takes them. */
function definitionOf(entity: CampaignEntity): Record<string, unknown> {
  return Object.fromEntries(DEFINITION_KEYS.map((key) => [key, entity[key]]));
}

function readRulesDocument(
  document: unknown,
  campaign: CampaignEntity,
): { rules: unknown[]; at: string } {
  if (Array.isArray(document)) {
    return { rules: document, at: '$' };
  }
  if (document === null || typeof document !== 'object') {
    throw campaignInvalid(
      [{ path: '$', code: 'rules_document_invalid', message: 'expected { "rules": [...] }' }],
      'rules_invalid',
    );
  }

  const fields = document as Record<string, unknown>;
  const problems: ErrorDetail[] = Object.keys(fields)
    .filter((key) => !DOCUMENT_KEYS.has(key))
    .map((key) => ({
      path: `$.${key}`,
      code: 'key_unknown',
      message: 'unknown key; a rules document has campaign, revision and rules',
    }));
  if (!Array.isArray(fields.rules)) {
    problems.push({
      path: '$.rules',
      code: 'rules_not_array',
      message: 'must be the array of rules',
    });
  }
  if (fields.campaign !== undefined && fields.campaign !== campaign.name) {
    problems.push({
      path: '$.campaign',
      code: 'rules_document_campaign_mismatch',
      message:
        `the document is for campaign ${JSON.stringify(fields.campaign)}, not ` +
        `"${campaign.name}"; change or remove "campaign" to reuse its rules here`,
    });
  }
  if (problems.length > 0) {
    throw campaignInvalid(problems, 'rules_invalid');
  }
  if (fields.revision !== undefined && fields.revision !== campaign.revision) {
    throw new ConflictError(
      'campaign_rules_stale',
      `The document was exported at revision ${JSON.stringify(fields.revision)}, but the ` +
        `campaign's rules are at revision ${campaign.revision} now; export them again, ` +
        'reapply your changes, or remove "revision" to overwrite.',
      [{ path: '$.revision', message: `the current revision is ${campaign.revision}` }],
    );
  }

  return { rules: fields.rules as unknown[], at: '$.rules' };
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(
    'campaign_name_taken',
    `A campaign named ${name ? `"${name}"` : 'so'} exists already; choose another name.`,
    [{ path: '$.name', message: 'already taken' }],
  );
}

function changedMeanwhile(id: string): ConflictError {
  return new ConflictError(
    'campaign_changed',
    `Campaign ${id} was changed by someone else meanwhile; load it again and retry.`,
  );
}
