import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../../common/errors';
import type { CampaignView } from '../../modules/campaigns/campaign.entity';
import type { CampaignTransition } from '../../modules/campaigns/campaign-lifecycle';
import { CampaignsService } from '../../modules/campaigns/campaigns.service';
import { GlobalOptions, withContext } from '../context';
import { printTable } from '../output';

/**
 * `bullseye campaigns` and `bullseye campaign …`. Returns the `campaign` command so that
 * further subcommands can be added to it.
 */
export function registerCampaignCommands(program: Command): Command {
  program
    .command('campaigns')
    .description('list campaigns, newest first')
    .action(async (_options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const campaigns = await context.get(CampaignsService).list();
        printTable(
          ['id', 'name', 'status', 'model', 'rules', 'revision', 'updated'],
          campaigns.map((c) => [
            c.id,
            c.name,
            c.status,
            c.modelName,
            c.rules.length,
            c.revision,
            c.updatedAt,
          ]),
        );
      });
    });

  const campaign = program.command('campaign').description('create, show and manage a campaign');

  campaign
    .command('create <file>')
    .description('create a draft campaign from a JSON file (the body of POST /campaigns)')
    .action(async (file: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const created = await context.get(CampaignsService).create(readJsonFile(file));
        console.log(`Created campaign ${created.id} "${created.name}" (draft).`);
      });
    });

  campaign
    .command('show <id>')
    .description('print a campaign as JSON')
    .action(async (id: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        console.log(JSON.stringify(await context.get(CampaignsService).get(id), null, 2));
      });
    });

  const rules = campaign.command('rules').description('export and import the rules of a campaign');

  rules
    .command('export <id>')
    .description('write the rules as a JSON document (to stdout without --out)')
    .option('--out <file>', 'write to this file')
    .action(async (id: string, options: { out?: string }, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const document = await context.get(CampaignsService).exportRules(id);
        const text = `${JSON.stringify(document, null, 2)}\n`;
        if (options.out) {
          fs.writeFileSync(options.out, text);
          console.log(
            `Wrote ${document.rules.length} rules (revision ${document.revision}) to ` +
              path.resolve(options.out),
          );
        } else {
          process.stdout.write(text);
        }
      });
    });

  rules
    .command('import <id> <file>')
    .description('validate the rules of a JSON document and make them the next revision')
    .action(async (id: string, file: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const updated = await context.get(CampaignsService).importRules(id, readJsonFile(file));
        console.log(
          `Imported ${updated.rules.length} rules into "${updated.name}" as revision ` +
            `${updated.revision}.`,
        );
      });
    });

  const transitions: [CampaignTransition, string][] = [
    ['activate', 'start deciding with a campaign (needs a champion and a rule)'],
    ['pause', 'stop deciding with a campaign for now'],
    ['archive', 'retire a campaign for good'],
  ];
  for (const [transition, description] of transitions) {
    campaign
      .command(`${transition} <id>`)
      .description(description)
      .action(async (id: string, _options: unknown, command: Command) => {
        await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
          printStatus(await context.get(CampaignsService).transition(id, transition));
        });
      });
  }

  return campaign;
}

function printStatus(campaign: CampaignView): void {
  console.log(`Campaign "${campaign.name}" is ${campaign.status}.`);
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(
      'file_unreadable',
      `Cannot read ${file}: ${(error as Error).message}`,
      400,
      [{ field: file, message: 'unreadable' }],
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError('file_not_json', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}
