/**
 * Compiled campaign rules against json-rules-engine's Engine.run: 20 random rules of three
 * conditions over flat customer facts, the same decisions required for every customer.
 *
 *   npm run bench:rules             100,000 customers (Engine.run takes about a minute)
 *   npm run bench:rules -- 20000    another number of customers
 */
import { performance } from 'perf_hooks';
import { Engine, RuleProperties } from 'json-rules-engine';
import { createRandom } from '../src/common/random';
import { compileRules } from '../src/modules/campaigns/rules';
import { randomCustomer, randomRules } from '../test/unit/rules/random-rules';

const RULES = 20;
const COMPILED_ROUNDS = 5;

function customersFromArgs(): number {
  const arg = process.argv[2];
  const count = arg === undefined ? 100000 : Number(arg.replace(/_/g, ''));
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`The number of customers must be a positive integer, not "${arg}".`);
  }

  return count;
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

/** Wall-clock and CPU time of a stretch of work, in milliseconds. */
class Stopwatch {
  wallMs = 0;
  cpuMs = 0;
  private wallStart = 0;
  private cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };

  start(): void {
    this.wallStart = performance.now();
    this.cpuStart = process.cpuUsage();
  }

  stop(): void {
    const cpu = process.cpuUsage(this.cpuStart);
    this.wallMs += performance.now() - this.wallStart;
    this.cpuMs += (cpu.user + cpu.system) / 1000;
  }

  /** Customers per second, by wall clock and by CPU time (the machine may be shared). */
  rates(count: number): { wall: number; cpu: number } {
    return { wall: (count / this.wallMs) * 1000, cpu: (count / this.cpuMs) * 1000 };
  }
}

/** What a decision is made of: the rules in their order and the events they carry. */
const decisionOf = (names: readonly unknown[], events: readonly unknown[]) =>
  JSON.stringify([names, events]);

async function main(): Promise<void> {
  const count = customersFromArgs();
  const random = createRandom(7);
  const rules = randomRules(random, RULES, { flat: true });
  const customers = Array.from({ length: count }, () => randomCustomer(random, { flat: true }));
  console.log(`${RULES} rules of 3 conditions, ${format(count)} customers with flat facts`);

  const compiled = compileRules(rules);
  let best = { wall: 0, cpu: 0 };
  let fired = 0;
  for (let round = 0; round <= COMPILED_ROUNDS; round++) {
    // Decisions are counted and dropped, as a run streams them out rather than keeping them.
    fired = 0;
    const watch = new Stopwatch();
    watch.start();
    for (let i = 0; i < count; i++) fired += compiled.evaluate(customers[i]).length;
    watch.stop();
    // Round 0 warms the JIT up and is not counted.
    const rates = watch.rates(count);
    if (round > 0 && rates.wall > best.wall) best = rates;
  }
  console.log(
    `evaluate:    ${format(best.wall)} customers/s wall, ${format(best.cpu)} per CPU second ` +
      `(best of ${COMPILED_ROUNDS}; ${(fired / count).toFixed(2)} rules fired per customer)`,
  );

  const engine = new Engine(rules as unknown as RuleProperties[], { allowUndefinedFacts: true });
  const progressEvery = Math.max(1, Math.floor(count / 10));
  const watch = new Stopwatch();
  let mismatches = 0;
  for (let i = 0; i < count; i++) {
    watch.start();
    // One run at a time: concurrent run() calls on one Engine can skip rules.
    const result = await engine.run(customers[i]);
    watch.stop();

    const expected = decisionOf(
      result.results.map((r) => r.name),
      result.events,
    );
    const decision = compiled.evaluate(customers[i]);
    const actual = decisionOf(
      decision.map((d) => d.name),
      decision.map((d) => d.event),
    );
    if (expected !== actual) {
      mismatches += 1;
      if (mismatches <= 3) {
        console.log(`  customer ${i} differs: engine ${expected}, compiled ${actual}`);
      }
    }
    if ((i + 1) % progressEvery === 0 && i + 1 < count) {
      console.log(`  Engine.run: ${format(i + 1)} / ${format(count)} customers compared`);
    }
  }
  const engineRates = watch.rates(count);

  console.log(
    `Engine.run:  ${format(engineRates.wall)} customers/s wall, ${format(engineRates.cpu)} per ` +
      'CPU second (sequential awaits)',
  );
  console.log(
    `ratio:       ${(best.wall / engineRates.wall).toFixed(0)}× by wall clock, ` +
      `${(best.cpu / engineRates.cpu).toFixed(0)}× by CPU time`,
  );
  console.log(
    mismatches === 0
      ? `decisions:   identical for all ${format(count)} customers`
      : `decisions:   ${format(mismatches)} of ${format(count)} customers differ`,
  );
  if (mismatches > 0) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
