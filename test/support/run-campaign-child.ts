/**
 * A campaign run in a process of its own, for the crash test: the parent starts it with
 * ts-node on the parent's SQLite file and kills it with SIGKILL part-way through.
 *
 *   node -r ts-node/register/transpile-only test/support/run-campaign-child.ts \
 *     <campaignId> <runKey> <batchSize>
 *
 * Settings come from the environment (BULLSEYE_DATABASE, BULLSEYE_DATA_DIR …).
 */
import 'reflect-metadata';
import { createContext } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { CampaignRunsService } from '../../src/modules/campaigns/campaign-runs.service';

async function main(): Promise<void> {
  const [campaignId, runKey, batchSize] = process.argv.slice(2);
  const context = await createContext(loadConfig());
  try {
    const { run } = await context
      .get(CampaignRunsService)
      .start({ campaignId, runKey, batchSize: Number(batchSize) });
    process.stdout.write(`${JSON.stringify({ id: run.id, status: run.status })}\n`);
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
