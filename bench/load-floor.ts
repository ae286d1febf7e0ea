/**
 * The floor under `bench:load`: NestJS on Fastify, the API's adapter, with nothing but one
 * route, POST /score, answering a constant score after parsing the JSON body. No keys, no
 * validation, no logs, no model. What this process manages on the machine is the most the
 * framework allows there; the benchmark prints Bullseye's figures as ratios to it.
 *
 *   node dist/bench/load-floor.js <port>   (built by bench:load from this file)
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

const ANSWER = { probability: 0.1187, decile: 4, model: 'bank', version: 1, versionId: 'floor' };

@Controller()
class FloorController {
  @Post('score')
  @HttpCode(200)
  score(@Body() body: unknown): typeof ANSWER {
    return typeof body === 'object' ? ANSWER : { ...ANSWER, probability: 0 };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(Number(process.argv[2]), '127.0.0.1');
  console.log('listening on', process.argv[2]);
}

void main();
