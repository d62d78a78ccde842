import { createHash } from 'node:crypto';
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Clock } from '../clock/index.ts';
import { queryRows, type Db } from '../db/index.ts';
import { AppError, badRequest, conflict } from '../errors/index.ts';
import { canonicalJson } from '../canonical-json.ts';
import { idempotencyKeys } from '../idempotency/schema.ts';

/**
 * Idempotency keys with the semantics of the leading payment APIs: the first response is kept and
 * replayed for 24 hours; the same key with a different request is refused (422); a retry while the
 * first is still running gets 409. Keys are scoped to the caller. Responses of 5xx are not kept, so
 * a retry after a server fault runs again (the failed attempt rolled back).
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const IN_FLIGHT_LEASE_MS = 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyOutcome =
  | { kind: 'proceed' }
  | { kind: 'replay'; status: number; contentType: string | null; body: string };

export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${canonicalJson(body)}`).digest('hex');
}

export function validateIdempotencyKey(key: string | undefined, required: boolean): string | undefined {
  if (key === undefined) {
    if (required) {
      throw badRequest('idempotency_key_missing', 'This request creates something: send an Idempotency-Key header (any unique string up to 255 characters).', [
        { in: 'header', path: '/idempotency-key', code: 'required', message: 'is required' },
      ]);
    }
    return undefined;
  }
  if (!KEY_PATTERN.test(key)) {
    throw badRequest('idempotency_key_invalid', 'Idempotency-Key must be 1–255 visible ASCII characters.', [
      { in: 'header', path: '/idempotency-key', code: 'invalid', message: 'must be 1–255 visible ASCII characters' },
    ]);
  }
  return key;
}

export class IdempotencyStore {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  /** Reserves the key for this request, or says how to answer instead. */
  async begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyOutcome> {
    for (let tries = 0; tries < 3; tries++) {
      const now = this.clock.now();
      const reserved = await queryRows<{ key: string }>(
        this.db,
        sql`INSERT INTO idempotency_keys (scope, key, fingerprint, status, created_at, locked_until, expires_at)
            VALUES (${scope}, ${key}, ${fingerprint}, 'running', ${now}, ${new Date(now.getTime() + IN_FLIGHT_LEASE_MS)},
                    ${new Date(now.getTime() + IDEMPOTENCY_TTL_MS)})
            ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      );
      if (reserved.length > 0) return { kind: 'proceed' };

      const [existing] = await this.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      if (!existing) continue; // released between our insert and select: try again
      if (existing.expiresAt.getTime() <= now.getTime()) {
        await this.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), lte(idempotencyKeys.expiresAt, now)));
        continue;
      }
      if (existing.fingerprint !== fingerprint) {
        throw new AppError(422, 'idempotency_key_reused', 'Idempotency key reused', 'This Idempotency-Key was already used with a different request. Use a new key for a new request.');
      }
      if (existing.status === 'done') {
        return { kind: 'replay', status: existing.responseStatus ?? 200, contentType: existing.responseContentType, body: existing.responseBody ?? '' };
      }
      // Running: another request holds it, unless that request died and its lease ran out.
      const takenOver = await queryRows<{ key: string }>(
        this.db,
        sql`UPDATE idempotency_keys SET locked_until = ${new Date(now.getTime() + IN_FLIGHT_LEASE_MS)}
            WHERE scope = ${scope} AND key = ${key} AND status = 'running' AND locked_until <= ${now} RETURNING key`,
      );
      if (takenOver.length > 0) return { kind: 'proceed' };
      throw conflict('idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed; retry after it finishes.');
    }
    throw conflict('idempotency_request_in_progress', 'A request with this Idempotency-Key is changing state; retry shortly.');
  }

  async complete(scope: string, key: string, status: number, contentType: string | null, body: string): Promise<void> {
    if (status >= 500) {
      await this.release(scope, key);
      return;
    }
    await this.db
      .update(idempotencyKeys)
      .set({ status: 'done', responseStatus: status, responseContentType: contentType, responseBody: body, lockedUntil: null })
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), eq(idempotencyKeys.status, 'running')));
  }

  /** Deletes expired keys; run by a scheduled job. */
  async purgeExpired(): Promise<number> {
    const removed = await this.db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, this.clock.now())).returning({ key: idempotencyKeys.key });
    return removed.length;
  }
}
