import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** Routes anyone may call: orchestrators probe them without credentials. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

/**
 * A hook that demands `Authorization: Bearer <token>`. Both sides are
 * hashed first so the comparison takes the same time whatever the length or
 * content of the guess.
 */
export function bearerAuth(token: string): (request: FastifyRequest) => Promise<void> {
  const expected = digest(token);
  return async (request) => {
    // CORS preflights carry no credentials by design; they reveal nothing.
    if (request.method === 'OPTIONS' || OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) {
      throw new ApiError('unauthorized', match ? 'the bearer token is wrong' : 'this server needs "Authorization: Bearer <token>"', undefined, {
        'www-authenticate': 'Bearer',
        connection: 'close',
      });
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
