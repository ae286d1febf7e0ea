import type { MigrationInterface } from 'typeorm';
import { Datasets1764800000000 } from './1764800000000-datasets';
import { Models1764800001000 } from './1764800001000-models';
import { Delivery1764800002000 } from './1764800002000-delivery';
import { Scoring1764800003000 } from './1764800003000-scoring';
import { Campaigns1764800004000 } from './1764800004000-campaigns';
import { Decisions1764800005000 } from './1764800005000-decisions';
import { Scheduling1764800006000 } from './1764800006000-scheduling';
import { Events1764800007000 } from './1764800007000-events';
import { Access1764800009000 } from './1764800009000-access';
import { Privacy1764800010000 } from './1764800010000-privacy';
import { DecisionExplanations1764800011000 } from './1764800011000-decision-explanations';

/** Every migration, in the order they apply. The schema is created only by these. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  Datasets1764800000000,
  Models1764800001000,
  Delivery1764800002000,
  Scoring1764800003000,
  Campaigns1764800004000,
  Decisions1764800005000,
  Scheduling1764800006000,
  Events1764800007000,
  Access1764800009000,
  Privacy1764800010000,
  DecisionExplanations1764800011000,
];
