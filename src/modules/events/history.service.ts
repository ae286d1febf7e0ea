import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ConflictError, UserError } from '../../common/errors';
import { inTransaction } from '../../database/unit-of-work';
import { CampaignRunEntity } from '../campaigns/campaign-run.entity';
import { CampaignsService } from '../campaigns/campaigns.service';
import { insertContacts } from '../campaigns/contact-history';
import { insertDecisions } from '../campaigns/decision.entity';
import { HISTORY_ORIGIN } from './entities/outcome-event.entity';
import { InboundEvent, repeatedIds } from './event-validation';
import { EventsService, IngestResult } from './events.service';
import { HistoryInput, historyProblems, historyRecords } from './history';

export interface RecordHistoryArgs extends HistoryInput {
  readonly campaignId: string;
  /** The outcomes of the test, stored with origin `history`; their ids must be unique. */
  readonly outcomes?: readonly InboundEvent[];
}

export interface RecordedHistory {
  readonly runId: string;
  readonly decisions: number;
  readonly contacted: number;
  readonly heldOut: number;
  readonly outcomes: IngestResult;
}

/**
 * Records the decisions and outcomes of a campaign test made outside Bullseye (see
 * `history.ts`), in one transaction: one succeeded run, its decisions, the contacts of the
 * customers that were sent something, and the outcome events. The lift report and the
 * label view then treat it like any run of the campaign.
 */
@Injectable()
export class HistoryService {
  private readonly logger = new Logger(HistoryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly events: EventsService,
  ) {}

  /**
   * @throws NotFoundError `campaign_not_found`; UserError `history_invalid` (400);
   *   ConflictError `history_run_key_taken`; UserError `events_invalid` for outcomes that
   *   name unknown decisions.
   */
  async record(args: RecordHistoryArgs): Promise<RecordedHistory> {
    const campaign = await this.campaigns.get(args.campaignId);
    const outcomes = args.outcomes ?? [];
    const problems = [
      ...historyProblems(args),
      ...repeatedIds(outcomes, (i) => `$.outcomes[${i}]`),
    ];
    if (problems.length > 0) {
      throw new UserError(
        'history_invalid',
        `The history cannot be recorded: ${problems
          .slice(0, 5)
          .map((p) => `${p.path} ${p.message}`)
          .join('; ')}.`,
        400,
        problems.slice(0, 100),
      );
    }

    const records = historyRecords(campaign, args, new Date());
    const stored = await inTransaction(this.dataSource, async (manager) => {
      const taken = await manager
        .getRepository(CampaignRunEntity)
        .existsBy({ campaignId: campaign.id, runKey: args.runKey });
      if (taken) {
        throw new ConflictError(
          'history_run_key_taken',
          `Campaign ${campaign.id} has a run with key "${args.runKey}" already; a history is ` +
            'recorded once. Choose another key to record another test.',
          [{ path: '$.runKey', message: 'taken' }],
        );
      }
      await manager
        .getRepository(CampaignRunEntity)
        .insert(records.run as QueryDeepPartialEntity<CampaignRunEntity>);
      await insertDecisions(manager, records.decisions);
      await insertContacts(manager, records.contacts);

      return this.events.ingest({
        events: outcomes,
        origin: { id: HISTORY_ORIGIN, source: `history ${args.runKey}` },
        locate: (i) => ({ path: `$.outcomes[${i}]` }),
      });
    });
    const heldOut = records.decisions.filter((d) => d.holdout).length;
    this.logger.log(
      `History "${args.runKey}" of campaign ${campaign.id} recorded as run ${records.run.id}: ` +
        `${records.decisions.length} decisions, ${stored.stored} outcomes`,
    );

    return {
      runId: records.run.id,
      decisions: records.decisions.length,
      contacted: records.decisions.length - heldOut,
      heldOut,
      outcomes: stored,
    };
  }
}
