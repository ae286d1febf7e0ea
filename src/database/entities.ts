import type { EntitySchema } from 'typeorm';
import { ApiKeyEndpointEntity } from '../modules/access/entities/api-key-endpoint.entity';
import { ApiKeyEntity } from '../modules/access/entities/api-key.entity';
import { AuditEntryEntity } from '../modules/access/entities/audit-entry.entity';
import { CampaignEntity } from '../modules/campaigns/campaign.entity';
import { CampaignRunEntity } from '../modules/campaigns/campaign-run.entity';
import { ContactEntity } from '../modules/campaigns/contact.entity';
import { DecisionEntity } from '../modules/campaigns/decision.entity';
import { SuppressionEntity } from '../modules/campaigns/suppression.entity';
import { CustomerEntity } from '../modules/datasets/customer.entity';
import { DatasetRecordEntity } from '../modules/datasets/dataset-record.entity';
import { DatasetEntity } from '../modules/datasets/dataset.entity';
import { DeliveryAttemptEntity } from '../modules/delivery/entities/delivery-attempt.entity';
import { DeliveryEntity } from '../modules/delivery/entities/delivery.entity';
import { EndpointSecretEntity } from '../modules/delivery/entities/endpoint-secret.entity';
import { EndpointEntity } from '../modules/delivery/entities/endpoint.entity';
import { EventReceiptEntity } from '../modules/events/entities/event-receipt.entity';
import { IntegrationSecretEntity } from '../modules/events/entities/integration-secret.entity';
import { IntegrationEntity } from '../modules/events/entities/integration.entity';
import { OutcomeEventEntity } from '../modules/events/entities/outcome-event.entity';
import { ModelPromotionEntity } from '../modules/models/entities/model-promotion.entity';
import { ModelVersionEntity } from '../modules/models/entities/model-version.entity';
import { ModelEntity } from '../modules/models/entities/model.entity';
import { TrainingJobEntity } from '../modules/models/entities/training-job.entity';
import { ErasureEntity } from '../modules/privacy/erasure.entity';
import { DriftReferenceEntity } from '../modules/scheduling/entities/drift-reference.entity';
import { DriftReportEntity } from '../modules/scheduling/entities/drift-report.entity';
import { RetrainingRunEntity } from '../modules/scheduling/entities/retraining-run.entity';
import { RetrainingScheduleEntity } from '../modules/scheduling/entities/retraining-schedule.entity';
import { ScheduleLockEntity } from '../modules/scheduling/entities/schedule-lock.entity';
import { ScoreEntity } from '../modules/scoring/entities/score.entity';
import { ScoringRunEntity } from '../modules/scoring/entities/scoring-run.entity';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EntityClass = new (...args: any[]) => unknown;

/** Every TypeORM entity of Bullseye, in one list shared by the app, the CLI and tests. */
export const ENTITIES: (EntityClass | EntitySchema)[] = [
  DatasetEntity,
  DatasetRecordEntity,
  CustomerEntity,
  ModelEntity,
  ModelVersionEntity,
  TrainingJobEntity,
  ModelPromotionEntity,
  EndpointEntity,
  EndpointSecretEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  ScoringRunEntity,
  ScoreEntity,
  CampaignEntity,
  SuppressionEntity,
  CampaignRunEntity,
  DecisionEntity,
  ContactEntity,
  RetrainingScheduleEntity,
  RetrainingRunEntity,
  ScheduleLockEntity,
  DriftReportEntity,
  DriftReferenceEntity,
  IntegrationEntity,
  IntegrationSecretEntity,
  OutcomeEventEntity,
  EventReceiptEntity,
  ApiKeyEntity,
  ApiKeyEndpointEntity,
  AuditEntryEntity,
  ErasureEntity,
];
