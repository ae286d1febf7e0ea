import type { BooleanCondition } from '../campaigns/rules/rule-types';
import type { ScoreEntity } from './entities/score.entity';
import type { ScoringRunEntity, ScoringRunStatus } from './entities/scoring-run.entity';
import type { ScoreDistribution } from './score-distribution';

/** A scoring run as the API and the CLI show it. */
export interface ScoringRunView {
  readonly id: string;
  readonly model: string;
  readonly version: number;
  readonly versionId: string;
  readonly audience: BooleanCondition | null;
  readonly status: ScoringRunStatus;
  readonly batchSize: number;
  /** Customers read, inside the audience or not. */
  readonly customersRead: number;
  readonly customersScored: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly summary: ScoreDistribution | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A customer's current score from one model. */
export interface StoredScore {
  readonly model: string;
  readonly customerId: string;
  readonly version: number;
  readonly versionId: string;
  readonly probability: number;
  readonly decile: number;
  readonly scoredAt: string;
  readonly scoringRunId: string;
}

/** The answer of real-time scoring. */
export interface RealTimeScore {
  readonly probability: number;
  readonly decile: number;
  readonly model: string;
  readonly version: number;
  readonly versionId: string;
  /**
   * For attributes sent: those the model does not read (a misspelt name shows here) and the
   * inputs it reads that were not sent or were empty, which it imputed.
   */
  readonly attributes?: { readonly unused: string[]; readonly imputed: string[] };
}

export function runView(entity: ScoringRunEntity): ScoringRunView {
  return {
    id: entity.id,
    model: entity.modelName,
    version: entity.modelVersion,
    versionId: entity.modelVersionId,
    audience: entity.audience,
    status: entity.status,
    batchSize: entity.batchSize,
    customersRead: entity.customersRead,
    customersScored: entity.customersScored,
    startedAt: entity.startedAt,
    finishedAt: entity.finishedAt,
    summary: entity.summary,
    error: entity.error,
  };
}

export function scoreView(entity: ScoreEntity): StoredScore {
  return {
    model: entity.modelName,
    customerId: entity.customerId,
    version: entity.modelVersion,
    versionId: entity.modelVersionId,
    probability: entity.probability,
    decile: entity.decile,
    scoredAt: entity.scoredAt,
    scoringRunId: entity.scoringRunId,
  };
}
