import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommanderError } from 'commander';
import { createContext } from '../../src/app';
import { buildProgram } from '../../src/cli/main';
import { loadConfig } from '../../src/config/config';
import { DatasetsService } from '../../src/modules/datasets/datasets.service';
import { sharedData } from '../support/app';

/**
 * `bullseye train --data`: the options are checked before the file is imported, so a
 * mistake in them leaves the store as it was, and values outside a fixed set are refused
 * rather than read as the default.
 */
describe('bullseye train --data with bad options', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bullseye-cli-train-'));
  const bank = sharedData('bank-marketing', 'bank.csv');
  const base = ['node', 'bullseye', '--data-dir', dataDir, 'train', '--data', bank];
  const importing = ['--target', 'y', '--positive', 'yes', '--plugins', 'logistic'];

  async function run(...args: string[]): Promise<unknown> {
    const written: string[] = [];
    const program = buildProgram().exitOverride();
    program.configureOutput({ writeErr: (text) => written.push(text), writeOut: () => undefined });
    for (const command of program.commands) {
      command.exitOverride().configureOutput({ writeErr: (text) => written.push(text) });
    }
    const saved = process.env.BULLSEYE_LOG_LEVEL;
    process.env.BULLSEYE_LOG_LEVEL = 'silent';
    try {
      await program.parseAsync([...base, ...importing, ...args]);

      return null;
    } catch (error) {
      return Object.assign(error as object, { written: written.join('') });
    } finally {
      process.env.BULLSEYE_LOG_LEVEL = saved;
    }
  }

  async function datasetNames(): Promise<string[]> {
    const context = await createContext(loadConfig({ BULLSEYE_LOG_LEVEL: 'silent' }, { dataDir }));
    try {
      return (await context.get(DatasetsService).list()).map((d) => d.name);
    } finally {
      await context.close();
    }
  }

  it('refuses --promote yes, naming the choices, before anything is imported', async () => {
    const error = (await run('--promote', 'yes')) as CommanderError & { written: string };

    expect(error).toBeInstanceOf(CommanderError);
    expect(error.code).toBe('commander.invalidArgument');
    expect(error.written).toContain('Allowed choices are best, none');
    expect(fs.existsSync(path.join(dataDir, 'bullseye.sqlite'))).toBe(false);
  });

  it('refuses --calibration sigmoid the same way', async () => {
    const error = (await run('--calibration', 'sigmoid')) as CommanderError & { written: string };

    expect(error.code).toBe('commander.invalidArgument');
    expect(error.written).toContain('Allowed choices are platt, isotonic, none');
  });

  it('checks the training options before importing the file', async () => {
    const error = (await run('--test-share', '0.9')) as { code?: string; details?: unknown };

    expect(error.code).toBe('training_request_invalid');
    expect(error.details).toEqual([expect.objectContaining({ path: '$.testShare' })]);
    expect(await datasetNames()).toEqual([]);
  });

  it('names an unknown plugin before importing the file', async () => {
    const error = (await run('--plugins', 'logistic,forest')) as { code?: string };

    expect(error.code).toBe('plugin_unknown');
    expect(await datasetNames()).toEqual([]);
  });
});
