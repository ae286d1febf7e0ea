import { Command, InvalidArgumentError } from 'commander';
import { ColumnType } from '../../modules/datasets/dataset-schema';
import { DatasetsService } from '../../modules/datasets/datasets.service';
import { formatProfile } from '../../modules/datasets/profile-format';
import { GlobalOptions, withContext } from '../context';
import { printTable, progressBar } from '../output';
import { splitList } from '../option-parsers';

const COLUMN_TYPES: ColumnType[] = ['numeric', 'categorical', 'boolean', 'date', 'identifier'];

/** Options shared by `import` and `train --data`. */
export interface ImportOptions {
  name?: string;
  target?: string;
  positive?: string;
  id?: string;
  exclude?: string[];
  personal?: string[];
  type?: Record<string, ColumnType>;
  delimiter?: string;
  maxBadShare?: number;
}

export function addImportOptions(command: Command): Command {
  return command
    .option('--name <name>', 'dataset name (default: the file name)')
    .option('--target <column>', 'the outcome column a model learns to predict')
    .option('--positive <label>', 'the target value that counts as a response (e.g. yes)')
    .option('--id <column>', 'the customer id column (default: derived from the row number)')
    .option('--exclude <columns>', 'comma-separated columns kept out of training', splitList)
    .option(
      '--personal <columns>',
      "comma-separated personal columns, all of them ('' for none; default: named like email, " +
        'phone, name or address)',
      splitList,
    )
    .option(
      '--type <column=type...>',
      `override a column's type (${COLUMN_TYPES.join('|')})`,
      collectTypes,
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected from the header)')
    .option('--max-bad-share <share>', 'fail when more than this share of rows is bad', parseShare);
}

export function importArgs(file: string, options: ImportOptions) {
  return {
    file,
    name: options.name,
    target: options.target,
    positiveLabel: options.positive,
    idColumn: options.id,
    exclude: options.exclude,
    personal: options.personal,
    types: options.type,
    delimiter: options.delimiter === '\\t' ? '\t' : options.delimiter,
    maxBadRowShare: options.maxBadShare,
  };
}

export function registerDatasetCommands(program: Command): void {
  addImportOptions(
    program
      .command('import <file>')
      .description('import customers from a CSV or JSON-lines file and print its profile'),
  ).action(async (file: string, options: ImportOptions, command: Command) => {
    await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
      const bar = progressBar('import');
      const dataset = await context
        .get(DatasetsService)
        .importFile({
          ...importArgs(file, options),
          onProgress: (p) =>
            bar.update(
              (p.stage === 'scanning' ? 0 : 0.5) + (0.5 * p.bytes) / Math.max(1, p.totalBytes),
              `${p.stage} ${p.rows.toLocaleString('en-US')} rows`,
            ),
        })
        .finally(() => bar.stop());
      console.log(formatProfile(dataset));
    });
  });

  program
    .command('datasets')
    .description('list imported datasets')
    .action(async (_options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        const datasets = await context.get(DatasetsService).list();
        printTable(
          ['id', 'name', 'rows', 'bad rows', 'target', 'imported'],
          datasets.map((d) => [
            d.id,
            d.name,
            d.rowCount,
            d.badRowCount,
            d.schema.target ?? '—',
            new Date(d.createdAt).toISOString(),
          ]),
        );
      });
    });

  program
    .command('dataset <id>')
    .description("print a dataset's profile")
    .action(async (id: string, _options: unknown, command: Command) => {
      await withContext(command.optsWithGlobals<GlobalOptions>(), async (context) => {
        console.log(formatProfile(await context.get(DatasetsService).get(id)));
      });
    });
}

function collectTypes(
  value: string,
  previous: Record<string, ColumnType> = {},
): Record<string, ColumnType> {
  const [column, type] = value.split('=');
  if (!column || !COLUMN_TYPES.includes(type as ColumnType)) {
    throw new InvalidArgumentError(
      `expected column=type with type one of ${COLUMN_TYPES.join(', ')}`,
    );
  }

  return { ...previous, [column]: type as ColumnType };
}

function parseShare(value: string): number {
  const share = Number(value);
  if (!(share >= 0 && share <= 1)) {
    throw new InvalidArgumentError('expected a share between 0 and 1');
  }

  return share;
}
