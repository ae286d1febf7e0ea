import type { FastifyReply, FastifyRequest } from 'fastify';

/** A request as the API's guards, interceptors and controllers see it (Fastify's). */
export type HttpRequest = FastifyRequest;

/** The answer being built for a request. */
export type HttpReply = FastifyReply;

/** The pattern of the route a request matched (`/campaigns/:id`), or its path without one. */
export function routeOf(request: HttpRequest): string {
  return request.routeOptions.url ?? pathOf(request);
}

/** The path of a request, without its query string. */
export function pathOf(request: HttpRequest): string {
  const query = request.url.indexOf('?');

  return query === -1 ? request.url : request.url.slice(0, query);
}
