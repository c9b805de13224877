import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Actor } from '#kernel';
import { inTransaction } from '#platform';
import type { PersonalData, Purpose } from '../domain/masking.js';

export class CustomerErasedError extends Error {}
export class CustomerNotFoundError extends Error {}

interface Sealed {
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

function seal(key: Buffer, plain: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), data };
}

function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.data), decipher.final()]);
}

/**
 * Serialises writes and erasure of one customer for the rest of the transaction. A row lock cannot
 * do it: before the first write there is no row to lock, and an erase deletes the row a write
 * would wait on, after which the write finds nothing and inserts a fresh key.
 */
async function lockCustomer(client: pg.PoolClient, customerId: string): Promise<void> {
  // Two-key form (a namespace and the customer), a key space apart from the one-key locks elsewhere.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('vault.customer'), hashtext($1))`, [customerId]);
}

/**
 * The personal-data vault. Each customer's record is encrypted (AES-256-GCM) with a key of its
 * own; that key is stored wrapped by the vault's master key, which is held outside the database.
 * Erasing a customer deletes the key and the record under the customer's lock, so no write can
 * bring them back; once Postgres has vacuumed the rows and recycled the WAL, what remains (events)
 * is an id with nothing to decrypt. Until then the old tuples are still on disk: a copy of the
 * database files taken before, together with the master key, decrypts (see the README).
 */
export class PersonalDataVault {
  constructor(
    private readonly pool: pg.Pool,
    private readonly masterKey: Buffer,
  ) {
    if (masterKey.length !== 32) throw new Error('the vault master key must be 32 bytes');
  }

  async put(customerId: string, data: PersonalData, actor: Actor): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // The customer's lock first, then the erasure check: an erase holds the same lock, so a
      // write either commits before the erase starts (and is erased with the rest) or sees it.
      await lockCustomer(client, customerId);
      const erased = await client.query('SELECT 1 FROM pii_erasures WHERE customer_id = $1', [customerId]);
      if (erased.rowCount) throw new CustomerErasedError(customerId);
      const { rows } = await client.query<{ wrapped_key: Buffer; key_iv: Buffer; key_tag: Buffer }>(
        'SELECT wrapped_key, key_iv, key_tag FROM pii_customer_keys WHERE customer_id = $1 FOR UPDATE',
        [customerId],
      );
      let customerKey: Buffer;
      if (rows.length) {
        customerKey = open(this.masterKey, { iv: rows[0].key_iv, tag: rows[0].key_tag, data: rows[0].wrapped_key }, customerId);
      } else {
        customerKey = randomBytes(32);
        const wrapped = seal(this.masterKey, customerKey, customerId);
        await client.query('INSERT INTO pii_customer_keys (customer_id, wrapped_key, key_iv, key_tag) VALUES ($1, $2, $3, $4)', [
          customerId,
          wrapped.data,
          wrapped.iv,
          wrapped.tag,
        ]);
      }
      const record = seal(customerKey, Buffer.from(JSON.stringify(data)), customerId);
      await client.query(
        `INSERT INTO pii_records (customer_id, ciphertext, iv, tag, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (customer_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, iv = EXCLUDED.iv, tag = EXCLUDED.tag,
           updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [customerId, record.data, record.iv, record.tag, actor.id],
      );
    });
  }

  /** Decrypts a customer's record; `clear` reads are recorded with who, why and when. */
  async get(customerId: string, access: { actor: Actor; clear: boolean; purpose?: Purpose }): Promise<PersonalData> {
    const { rows } = await this.pool.query<{ wrapped_key: Buffer; key_iv: Buffer; key_tag: Buffer; ciphertext: Buffer; iv: Buffer; tag: Buffer }>(
      `SELECT k.wrapped_key, k.key_iv, k.key_tag, r.ciphertext, r.iv, r.tag
         FROM pii_records r JOIN pii_customer_keys k USING (customer_id) WHERE r.customer_id = $1`,
      [customerId],
    );
    if (!rows.length) {
      const erased = await this.pool.query('SELECT 1 FROM pii_erasures WHERE customer_id = $1', [customerId]);
      throw erased.rowCount ? new CustomerErasedError(customerId) : new CustomerNotFoundError(customerId);
    }
    const r = rows[0];
    const key = open(this.masterKey, { iv: r.key_iv, tag: r.key_tag, data: r.wrapped_key }, customerId);
    const data = JSON.parse(open(key, { iv: r.iv, tag: r.tag, data: r.ciphertext }, customerId).toString('utf8')) as PersonalData;
    if (access.clear) {
      await this.pool.query('INSERT INTO pii_access_log (customer_id, actor_id, actor_role, purpose) VALUES ($1, $2, $3, $4)', [
        customerId,
        access.actor.id,
        access.actor.role,
        access.purpose,
      ]);
    }
    return data;
  }

  /** Crypto-shredding: the key and the record go; the erasure itself is recorded. */
  async erase(customerId: string, actor: Actor, reason: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      await lockCustomer(client, customerId);
      const keys = await client.query('DELETE FROM pii_customer_keys WHERE customer_id = $1', [customerId]);
      await client.query('DELETE FROM pii_records WHERE customer_id = $1', [customerId]);
      await client.query(`INSERT INTO pii_erasures (customer_id, erased_by, reason) VALUES ($1, $2, $3) ON CONFLICT (customer_id) DO NOTHING`, [
        customerId,
        actor.id,
        reason,
      ]);
      return (keys.rowCount ?? 0) > 0;
    });
  }

  async accessLog(customerId: string): Promise<Array<{ actorId: string; actorRole: string; purpose: string; at: string }>> {
    const { rows } = await this.pool.query('SELECT actor_id, actor_role, purpose, accessed_at FROM pii_access_log WHERE customer_id = $1 ORDER BY id', [
      customerId,
    ]);
    return rows.map((r) => ({ actorId: r.actor_id, actorRole: r.actor_role, purpose: r.purpose, at: (r.accessed_at as Date).toISOString() }));
  }
}
