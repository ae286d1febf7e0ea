import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { loadConfig } from './config/config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  new Logger('Bullseye').log(
    `Listening on http://${config.host}:${config.port} (API docs at /docs, database ${config.databaseFile})`,
  );
}

main().catch((error: Error) => {
  // A bad setting or a taken port is a message for the operator, not a stack trace.
  process.stderr.write(`bullseye: ${error.message}\n`);
  process.exit(1);
});
