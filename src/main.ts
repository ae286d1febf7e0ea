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

void main();
