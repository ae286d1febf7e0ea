import { Command, Option } from 'commander';
import type { ApiKeyView } from '../../modules/access/access.dto';
import { ApiKeysService } from '../../modules/access/api-keys.service';
import { ROLES } from '../../modules/access/roles';
import { GlobalOptions, withContext } from '../context';
import { printTable } from '../output';

/**
 * `bullseye keys create|list|revoke`: the API keys of the REST API. Run on the machine that
 * holds the database, so the first admin key can be made before any key exists.
 */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('API keys: create, list and revoke them');

  keys
    .command('create')
    .description('make an API key and print it (this once: only its hash is kept)')
    .addOption(
      new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'a label: who or what uses the key')
    .option('--endpoint <id...>', 'integrator keys: endpoints whose deliveries it may read')
    .action(
      async (options: { role: string; name: string; endpoint?: string[] }, command: Command) => {
        await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
          const created = await context.get(ApiKeysService).create({
            name: options.name,
            role: options.role,
            endpointIds: options.endpoint,
          });
          // The key alone on stdout, so `KEY=$(bullseye keys create …)` works.
          console.error(
            `Created ${created.role} key ${created.id} (${created.name}). It is shown this ` +
              'once; store it now. Send it as "Authorization: Bearer <key>" or x-api-key.',
          );
          console.log(created.key);
        });
      },
    );

  keys
    .command('list')
    .description('list the keys (never the keys themselves)')
    .option('--json', 'print the keys as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const list = await context.get(ApiKeysService).list();
        if (options.json) {
          console.log(JSON.stringify(list, null, 2));

          return;
        }
        printKeys(list);
      });
    });

  keys
    .command('revoke <id>')
    .description('revoke a key for good; its next request is refused')
    .action(async (id: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const revoked = await context.get(ApiKeysService).revoke(id);
        console.log(`Revoked key ${revoked.id} (${revoked.name}) at ${revoked.revokedAt}.`);
      });
    });
}

function printKeys(list: ApiKeyView[]): void {
  if (list.length === 0) {
    console.log('No keys yet: make one with `bullseye keys create --role admin --name NAME`.');

    return;
  }
  printTable(
    ['id', 'name', 'role', 'key', 'created', 'last used', 'revoked', 'endpoints'],
    list.map((key) => [
      key.id,
      key.name,
      key.role,
      `${key.prefix}…`,
      key.createdAt,
      key.lastUsedAt ?? '—',
      key.revokedAt ?? '—',
      key.endpointIds.join(', ') || '—',
    ]),
  );
}
