import 'reflect-metadata';
import { Command } from 'commander';
import { registerCampaignCommands } from './commands/campaigns';
import { registerCustomerCommands } from './commands/customers';
import { registerDatasetCommands } from './commands/datasets';
import { registerDemoCommand } from './commands/demo';
import { registerEventCommands } from './commands/events';
import { registerKeyCommands } from './commands/keys';
import { registerModelCommands } from './commands/models';
import { registerRetrainCommands } from './commands/retrain';
import { registerRunCommands } from './commands/runs';
import { registerServeCommand } from './commands/serve';
import { reportError } from './output';

/**
 * The `bullseye` command. Each command translates its options into calls on the same services
 * the REST API uses; no logic lives here.
 */
export function buildProgram(): Command {
  const program = new Command('bullseye')
    .description('Precision marketing: learn who responds from your customer data, and act on it.')
    .option('--data-dir <dir>', 'folder for the database, uploads and reports (default ./data)')
    .option('--database <file>', 'SQLite database file (default <data-dir>/bullseye.sqlite)')
    .option('-v, --verbose', 'log at debug level and print stack traces')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  registerDatasetCommands(program);
  registerModelCommands(program);
  registerCampaignCommands(program);
  registerRunCommands(program);
  registerEventCommands(program);
  registerRetrainCommands(program);
  registerCustomerCommands(program);
  registerKeyCommands(program);
  registerServeCommand(program);
  registerDemoCommand(program);

  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error, Boolean(program.opts().verbose));
  }
}

if (require.main === module || process.argv[1]?.endsWith('bullseye.js')) {
  void main(process.argv);
}
