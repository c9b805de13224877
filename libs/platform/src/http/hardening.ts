import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.js';
import { problem, type Problem } from './problem.js';

/**
 * The HTTP server's limits, as Fastify options: the whole request (headers and body) must arrive
 * within HTTP_REQUEST_TIMEOUT_MS and its headers within HTTP_HEADERS_TIMEOUT_MS (Node answers 408
 * and closes the connection), a connection silent for HTTP_IDLE_TIMEOUT_MS is closed, an idle
 * keep-alive connection waits HTTP_KEEP_ALIVE_TIMEOUT_MS for its next request. Node checks the
 * request and header deadlines on a timer; it runs at a quarter of the shorter one (at most once a
 * second), so a slow client is cut off within that much of its deadline.
 */
export function serverLimits(config: AppConfig) {
  const checkEvery = Math.max(25, Math.min(1_000, Math.floor(Math.min(config.HTTP_REQUEST_TIMEOUT_MS, config.HTTP_HEADERS_TIMEOUT_MS) / 4)));
  return {
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.HTTP_IDLE_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: checkEvery,
    },
    clientErrorHandler,
    frameworkErrors,
  };
}

/** The connection limit: Node closes connections past it as soon as they are accepted. */
export function limitConnections(server: { maxConnections: number }, config: AppConfig): void {
  server.maxConnections = config.HTTP_MAX_CONNECTIONS;
}

function problemBody(p: Problem): string {
  return JSON.stringify(p);
}

/**
 * Errors Node's HTTP parser raises before there is a request (a timeout, headers too large, a
 * request line it cannot parse), answered as problem+json on the raw socket, then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const p =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problem(408, 'REQUEST_TIMEOUT', 'Request timeout', 'The request was not received in time.')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? problem(431, 'HEADERS_TOO_LARGE', 'Request header fields too large', 'The request headers exceed the allowed size.')
        : problem(400, 'MALFORMED_REQUEST', 'Malformed request', 'The request could not be parsed.');
  const body = problemBody(p);
  if (socket.writable && socket.bytesWritten === 0) {
    socket.write(
      `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status]}\r\nConnection: close\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** The router's own refusals (a URL it cannot decode, a path parameter too long) as problem+json. */
export function frameworkErrors(error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const p =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' || error.statusCode === 414
      ? problem(414, 'URI_TOO_LONG', 'URI too long', 'A path segment of the URL is too long.')
      : error.code === 'FST_ERR_BAD_URL'
        ? problem(400, 'MALFORMED_REQUEST', 'Malformed request', 'The URL could not be decoded.')
        : problem(
            error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400,
            'MALFORMED_REQUEST',
            'Malformed request',
            error.message,
          );
  send(request, reply, p);
}

function send(request: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .status(p.status)
    .header('content-type', 'application/problem+json')
    .send({ ...p, instance: request.url.split('?')[0], correlationId: String(request.id) });
}

const NUL = /%00/i;
const UTF8 = /^utf-?8$/i;

/**
 * Refusals before a request reaches a route: a NUL byte anywhere in the path or query (Postgres
 * text cannot hold one, and no id or filter has one) is 400 VALIDATION_FAILED; a body declared in
 * a charset other than UTF-8 is 415, since bodies are read as UTF-8 JSON.
 */
export function registerRequestGuards(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (NUL.test(request.url)) {
      const where = request.url.indexOf('?');
      const inQuery = where >= 0 && NUL.test(request.url.slice(where));
      return send(
        request,
        reply,
        problem(400, 'VALIDATION_FAILED', 'Validation failed', 'The URL holds a NUL byte (%00).', {
          errors: [{ path: inQuery ? '(query)' : '(path)', message: 'must not contain a NUL byte' }],
        }),
      );
    }
    const type = request.headers['content-type'];
    if (type) {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1];
      if (charset !== undefined && !UTF8.test(charset)) {
        return send(
          request,
          reply,
          problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', `Bodies are UTF-8 JSON; charset ${charset} is not accepted.`),
        );
      }
    }
  });
  // A NUL escaped inside a JSON string (\u0000) is refused the same way: nothing downstream can store it.
  fastify.addHook('preValidation', async (request, reply) => {
    if (request.body !== undefined && request.body !== null && typeof request.body === 'object' && JSON.stringify(request.body).includes('\\u0000')) {
      return send(
        request,
        reply,
        problem(400, 'VALIDATION_FAILED', 'Validation failed', 'The body holds a NUL character (\\u0000).', {
          errors: [{ path: '(body)', message: 'must not contain a NUL character' }],
        }),
      );
    }
  });
}
