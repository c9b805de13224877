import { createHash, randomUUID } from 'node:crypto';

export function newId(): string {
  return randomUUID();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * A name-based UUID (version 5 layout, SHA-1) under the Arrears namespace: the same name always
 * gives the same id. Used to derive event ids from a command's idempotency key, so a retried
 * command produces the very same event ids and the store de-duplicates them.
 */
export function deterministicId(...parts: Array<string | number>): string {
  const hash = createHash('sha1').update('arrears:').update(parts.join('\u0000')).digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
