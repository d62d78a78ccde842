/**
 * Webhook signatures: HMAC-SHA256 over the raw body, bound to a timestamp so an old delivery
 * cannot be replayed.
 *
 * The signature header reads `t=<unix seconds>,v1=<hex>` where the hex is
 * HMAC-SHA256(secret, "<t>." + raw body bytes). A sender rotating its secret may put several
 * `v1=` entries; one matching entry is enough. A delivery is refused when its timestamp is more
 * than five minutes away from our clock, in either direction: older means a replay or a delivery
 * stuck too long, newer means a clock we cannot trust.
 *
 * The body is signed as bytes, exactly as received: it must be verified before it is parsed, and
 * never re-serialised (JSON re-encoding changes bytes and breaks the signature).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookRejected } from './provider.ts';

/** How far a delivery's timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function digest(secret: string, timestamp: number, rawBody: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** The signature header value for a body sent at `at`. */
export function signatureHeader(secret: string, rawBody: Buffer, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  return `t=${timestamp},v1=${digest(secret, timestamp, rawBody).toString('hex')}`;
}

interface ParsedHeader {
  timestamp: number;
  signatures: string[];
}

function parseHeader(header: string): ParsedHeader | undefined {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) return undefined;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      signatures.push(value);
    }
    // Other keys (future schemes) are ignored, as senders add them while rolling out.
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/**
 * Checks a signature header against the raw body; throws WebhookRejected saying why it is
 * refused. Signatures are compared in constant time.
 */
export function verifySignatureHeader(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
  now: Date,
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): void {
  if (header === undefined || header.trim() === '') throw new WebhookRejected('missing_signature', 'The delivery carries no signature header.');
  const parsed = parseHeader(header);
  if (!parsed) throw new WebhookRejected('malformed_signature', 'The signature header is not "t=<unix seconds>,v1=<hex>".');
  const age = Math.floor(now.getTime() / 1000) - parsed.timestamp;
  if (age > toleranceSeconds) throw new WebhookRejected('stale_timestamp', `The delivery was signed ${age} s ago; at most ${toleranceSeconds} s is accepted.`);
  if (age < -toleranceSeconds) throw new WebhookRejected('future_timestamp', `The delivery is signed ${-age} s in the future; clocks differ by more than ${toleranceSeconds} s.`);
  const expected = digest(secret, parsed.timestamp, rawBody);
  const matches = parsed.signatures.some((signature) => HEX_SHA256.test(signature) && timingSafeEqual(expected, Buffer.from(signature, 'hex')));
  if (!matches) throw new WebhookRejected('bad_signature', 'The signature does not match the body: wrong secret, or the body was changed.');
}
