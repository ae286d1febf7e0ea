import * as fs from 'node:fs';
import { Command } from 'commander';
import { CustomerExportService } from '../../modules/privacy/customer-export.service';
import { ErasureService } from '../../modules/privacy/erasure.service';
import { GlobalOptions, withContext } from '../context';
import { printTable } from '../output';

/** `bullseye customers erase|export ID`: a customer's rights over their data. */
export function registerCustomerCommands(program: Command): void {
  const customers = program
    .command('customers')
    .description("a customer's data: erase it, or export all of it as JSON");

  customers
    .command('erase <id>')
    .description('erase everything held about a customer, and record that it happened')
    .action(async (id: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const erasure = await context.get(ErasureService).erase({ customerId: id, source: 'cli' });
        console.log(
          `Erasure ${erasure.id} at ${erasure.erasedAt} (customer ${erasure.customerHash})`,
        );
        printTable(
          ['table', 'deleted', 'changed'],
          Object.entries(erasure.counts).map(([table, c]) => [table, c.deleted, c.changed]),
        );
      });
    });

  customers
    .command('export <id>')
    .description('print everything held about a customer as one JSON document')
    .option('--out <file>', 'write the document to this file instead')
    .action(async (id: string, options: { out?: string }, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const document = await context.get(CustomerExportService).export(id);
        const text = JSON.stringify(document, null, 2);
        if (options.out) {
          fs.writeFileSync(options.out, `${text}\n`, { mode: 0o600 });
          console.log(`Export of customer ${id} written to ${options.out}`);

          return;
        }
        console.log(text);
      });
    });
}
