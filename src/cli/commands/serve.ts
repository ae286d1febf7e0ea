import { Command } from 'commander';
import { createApp } from '../../app';
import { loadConfig } from '../../config/config';
import { cliConfig, GlobalOptions } from '../context';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the REST API (OpenAPI docs at /docs)')
    .option('--port <port>', 'port to listen on', (v) => Number(v))
    .option('--host <host>', 'interface to bind')
    .action(async (options: { port?: number; host?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const config = cliConfig(globals, {
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.host ? { host: options.host } : {}),
        logLevel: globals.verbose ? 'debug' : 'info',
        dispatcherEnabled: loadConfig().dispatcherEnabled,
        schedulerEnabled: loadConfig().schedulerEnabled,
      });
      const app = await createApp(config);
      await app.listen(config.port, config.host);
      console.log(`Bullseye is listening on http://${config.host}:${config.port} (docs at /docs)`);
    });
}
