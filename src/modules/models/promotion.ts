import { ConflictError } from '../../common/errors';

export type VersionStatus = 'candidate' | 'champion' | 'retired';

export type PromotionAction = 'promote' | 'rollback';

/** One line of a model's promotion history, oldest first. */
export interface PromotionRecord {
  readonly action: PromotionAction;
  readonly fromVersion: number | null;
  readonly toVersion: number;
}

/** The status changes one promotion or rollback makes, applied together in one transaction. */
export interface PromotionPlan {
  readonly action: PromotionAction;
  /** The version that becomes champion. */
  readonly toVersion: number;
  /** The champion it replaces, which becomes retired; `null` for a model's first champion. */
  readonly fromVersion: number | null;
}

interface VersionState {
  readonly version: number;
  readonly status: VersionStatus;
}

/**
 * The champions a model has had, replaying its history: a promotion puts a version on top,
 * a rollback takes the top one off. The last element is the current champion, the one
 * before it is where a rollback goes — so repeated rollbacks walk further back in time
 * instead of swapping between two versions.
 */
export function championStack(history: readonly PromotionRecord[]): number[] {
  const stack: number[] = [];
  for (const record of history) {
    if (record.action === 'promote') {
      stack.push(record.toVersion);
    } else {
      stack.pop();
    }
  }

  return stack;
}

function currentChampion(versions: readonly VersionState[]): number | null {
  return versions.find((v) => v.status === 'champion')?.version ?? null;
}

/** Makes `target` the champion of a model whose versions are `versions`. */
export function planPromotion(
  modelName: string,
  versions: readonly VersionState[],
  target: number,
): PromotionPlan {
  const champion = currentChampion(versions);
  if (champion === target) {
    throw new ConflictError(
      'version_already_champion',
      `Version ${target} is already the champion of model "${modelName}".`,
    );
  }

  return { action: 'promote', toVersion: target, fromVersion: champion };
}

/** Returns a model to the champion it had before the current one. */
export function planRollback(
  modelName: string,
  versions: readonly VersionState[],
  history: readonly PromotionRecord[],
): PromotionPlan {
  const champion = currentChampion(versions);
  const stack = championStack(history);
  const previous = stack.length >= 2 ? stack[stack.length - 2] : undefined;
  if (champion === null || previous === undefined || stack[stack.length - 1] !== champion) {
    throw new ConflictError(
      'rollback_unavailable',
      champion === null
        ? `Model "${modelName}" has no champion to roll back from.`
        : `Model "${modelName}" has no earlier champion than version ${champion} to roll back to.`,
    );
  }

  return { action: 'rollback', toVersion: previous, fromVersion: champion };
}
