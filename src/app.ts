import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ErrorFilter } from './common/error.filter';
import { createLogger, logRequests, requestIdOf } from './common/logging';
import { createValidationPipe } from './common/validation';
import { AppConfig, loadConfig } from './config/config';
import { httpAdapterOptions, secureHttp } from './modules/access/http-security';

/** Builds the HTTP application (not yet listening): used by `npm start`, the CLI and tests. */
export async function createApp(config: AppConfig = loadConfig()): Promise<INestApplication> {
  const logger = createLogger(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    new FastifyAdapter(httpAdapterOptions(config, requestIdOf, logger)),
    // `rawBody` keeps the exact bytes received, over which signed requests (POST /events)
    // are verified.
    { bufferLogs: true, rawBody: true },
  );
  await secureHttp(app, config);
  logRequests(app.getHttpAdapter().getInstance(), logger);
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ErrorFilter(config));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Bullseye')
      .setDescription('Precision marketing: datasets, models, campaigns and deliveries.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (bsk_…)' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });

  return app;
}

/** Builds the application without HTTP, for the CLI. */
export async function createContext(
  config: AppConfig = loadConfig(),
): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    bufferLogs: true,
  });
  context.useLogger(context.get(Logger));
  context.enableShutdownHooks();

  return context;
}
