/**
 * The order in which json-rules-engine reports rules of equal priority.
 *
 * The engine starts every rule of one priority at once and reports each when its chain of
 * promises settles, so a rule with fewer promise steps is reported before one given earlier.
 * The steps depend on the shape of the conditions (nesting, a `path`) and, for a `path`, on
 * whether the fact is present at all (a missing fact skips the step that reads the path).
 * Nothing else about the facts matters as long as conditions carry no priority.
 *
 * `settlementOrder` replays those steps on a model of the microtask queue: a job queue,
 * promises that settle and wake their waiting jobs, `then` callbacks that may return another
 * promise (adopting it costs two more jobs, as in V8), and `Promise.all`.
 */
import { RuleCondition } from './rule-types';

/** What the engine's scheduling depends on in a condition tree. */
export type OrderShape =
  | { readonly kind: 'all' | 'any'; readonly children: readonly OrderShape[] }
  | { readonly kind: 'not'; readonly child: OrderShape }
  | {
      readonly kind: 'fact';
      /** The fact, when it is read with a path. */
      readonly pathFact?: string;
      /** The referenced fact of `value: { fact, path }`, when read with a path. */
      readonly pathValueFact?: string;
    };

export function orderShape(condition: RuleCondition): OrderShape {
  if ('all' in condition) {
    return { kind: 'all', children: condition.all.map(orderShape) };
  }
  if ('any' in condition) {
    return { kind: 'any', children: condition.any.map(orderShape) };
  }
  if ('not' in condition) {
    return { kind: 'not', child: orderShape(condition.not) };
  }

  const value = condition.value;
  const reference = value !== null && typeof value === 'object' && !Array.isArray(value);

  return {
    kind: 'fact',
    pathFact: condition.path ? condition.fact : undefined,
    pathValueFact: reference && value.path ? value.fact : undefined,
  };
}

/** The facts whose presence changes the order: those read with a path. */
export function timingFacts(shapes: readonly OrderShape[]): string[] {
  const found = new Set<string>();
  const visit = (shape: OrderShape): void => {
    if (shape.kind === 'fact') {
      if (shape.pathFact !== undefined) found.add(shape.pathFact);
      if (shape.pathValueFact !== undefined) found.add(shape.pathValueFact);
    } else if (shape.kind === 'not') {
      visit(shape.child);
    } else {
      shape.children.forEach(visit);
    }
  };
  shapes.forEach(visit);

  return [...found];
}

/**
 * The indexes of `rules` (all of one priority, in the order given) in the order the engine
 * reports them, given which facts are present.
 */
export function settlementOrder(
  rules: readonly OrderShape[],
  present: (fact: string) => boolean,
): number[] {
  const queue = new MicrotaskModel();
  const engine = new EngineModel(queue, present);
  const order: number[] = [];

  rules.forEach((rule, index) => {
    queue.then(engine.rule(rule), () => {
      order.push(index);
    });
  });
  queue.drain();

  return order;
}

interface Settlement {
  settled: boolean;
  readonly waiting: (() => void)[];
}

class MicrotaskModel {
  private readonly jobs: (() => void)[] = [];

  settled(): Settlement {
    return { settled: true, waiting: [] };
  }

  /** `promise.then(callback)`; a callback that returns a settlement is adopted, like a promise. */
  then(promise: Settlement, callback?: () => Settlement | void): Settlement {
    const derived: Settlement = { settled: false, waiting: [] };
    this.whenSettled(promise, () => {
      const returned = callback?.();
      if (returned) {
        this.jobs.push(() => this.whenSettled(returned, () => this.settle(derived)));
      } else {
        this.settle(derived);
      }
    });

    return derived;
  }

  all(promises: readonly Settlement[]): Settlement {
    if (promises.length === 0) {
      return this.settled();
    }
    const combined: Settlement = { settled: false, waiting: [] };
    let left = promises.length;
    for (const promise of promises) {
      this.whenSettled(promise, () => {
        left -= 1;
        if (left === 0) this.settle(combined);
      });
    }

    return combined;
  }

  drain(): void {
    for (let next = 0; next < this.jobs.length; next++) {
      this.jobs[next]();
    }
  }

  private whenSettled(promise: Settlement, job: () => void): void {
    if (promise.settled) {
      this.jobs.push(job);
    } else {
      promise.waiting.push(job);
    }
  }

  private settle(promise: Settlement): void {
    promise.settled = true;
    for (const job of promise.waiting) {
      this.jobs.push(job);
    }
    promise.waiting.length = 0;
  }
}

/** The promise steps json-rules-engine 7.3 takes to evaluate one rule, without the values. */
class EngineModel {
  constructor(
    private readonly queue: MicrotaskModel,
    private readonly present: (fact: string) => boolean,
  ) {}

  /** Evaluating the root, then reporting the result to the rule's (absent) listeners. */
  rule(root: OrderShape): Settlement {
    const q = this.queue;
    const verdict =
      root.kind === 'not'
        ? this.negation(root.child)
        : root.kind === 'fact'
          ? this.condition(root)
          : this.group(root);

    return q.then(verdict, () => q.then(q.then(q.settled(), () => q.settled())));
  }

  private condition(shape: OrderShape): Settlement {
    const q = this.queue;
    if (shape.kind === 'fact') {
      const value = this.factValue(shape.pathValueFact);
      const fact = this.factValue(shape.pathFact);

      return q.then(q.then(q.all([value, fact])));
    }

    return q.then(shape.kind === 'not' ? this.negation(shape.child) : this.group(shape));
  }

  /** An all or any: one child is evaluated directly, several through a settled cursor. */
  private group(shape: OrderShape & { kind: 'all' | 'any' }): Settlement {
    const q = this.queue;
    const children = shape.children;
    if (children.length === 0) {
      return q.settled();
    }
    if (children.length === 1) {
      return this.condition(children[0]);
    }

    return q.then(q.settled(), () => q.then(q.all(children.map((c) => this.condition(c)))));
  }

  private negation(child: OrderShape): Settlement {
    return this.queue.then(this.condition(child));
  }

  /** Reading a fact takes one more step only when it is present and read with a path. */
  private factValue(pathFact: string | undefined): Settlement {
    const q = this.queue;

    return pathFact !== undefined && this.present(pathFact) ? q.then(q.settled()) : q.settled();
  }
}
