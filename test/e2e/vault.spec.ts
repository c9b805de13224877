import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '#platform';
import { vaultMasterKey } from '#vault';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, type TestApp } from '#test-support/app.js';

const PERSON = {
  fullName: '王小明',
  phones: ['13812341234'],
  emails: ['xiaoming.wang@example.com'],
  addresses: ['浙江省杭州市西湖区文三路100号'],
  idNumber: '110101199003071234',
  thirdPartyContacts: [{ contactId: 'tp-1', relation: 'spouse', fullName: '李华', phone: '13900001111' }],
};

describe('personal data vault', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores personal data encrypted: the database holds no clear value', async () => {
    expect((await t.as('service')('PUT', '/customers/C-1/personal-data', PERSON)).status).toBe(204);
    const dump = await t.runtime.pool.query(`SELECT encode(ciphertext, 'escape') AS c FROM pii_records WHERE customer_id = 'C-1'`);
    const raw = JSON.stringify(dump.rows);
    for (const secret of ['13812341234', '110101199003071234', 'xiaoming', '王小明']) expect(raw).not.toContain(secret);
    const events = await t.runtime.pool.query('SELECT data::text || metadata::text AS t FROM es_events');
    expect(events.rows.some((r) => r.t.includes('13812341234'))).toBe(false);
  });

  it('shows masked values by default, to every reading role', async () => {
    await t.as('service')('PUT', '/customers/C-2/personal-data', PERSON);
    for (const role of ['auditor', 'risk_manager', 'collector'] as const) {
      const res = await t.as(role)('GET', '/customers/C-2/personal-data');
      expect(res.status).toBe(200);
      expect(res.body.masked).toBe(true);
      expect(res.body.data).toMatchObject({
        fullName: '王**',
        phones: ['138****1234'],
        emails: ['x***@example.com'],
        idNumber: '1101**********1234',
        addresses: ['浙江省杭州市***'],
        thirdPartyContacts: [{ contactId: 'tp-1', relation: 'spouse', fullName: '李*', phone: '139****1111' }],
      });
    }
  });

  it('gives clear values only to roles that need them, with a purpose, and records each clear read', async () => {
    await t.as('service')('PUT', '/customers/C-3/personal-data', PERSON);
    const refused = await t.as('auditor')('GET', '/customers/C-3/personal-data?purpose=CONTACT_DEBTOR');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('CLEAR_READ_FORBIDDEN');
    const bad = await t.as('service', 'dialer-1')('GET', '/customers/C-3/personal-data?purpose=CURIOSITY');
    expect(bad.status).toBe(400);
    const clear = await t.as('service', 'dialer-1')('GET', '/customers/C-3/personal-data?purpose=CONTACT_DEBTOR');
    expect(clear.status).toBe(200);
    expect(clear.body).toMatchObject({ masked: false, data: { phones: ['13812341234'] } });
    await t.as('collector', 'col-7')('GET', '/customers/C-3/personal-data');
    // A collector reads clear values only of customers with a case assigned to them (test/e2e/row-level-access.spec.ts).
    const unassigned = await t.as('collector', 'col-7')('GET', '/customers/C-3/personal-data?purpose=CONTACT_DEBTOR');
    expect({ status: unassigned.status, code: unassigned.body.code }).toEqual({ status: 403, code: 'CLEAR_READ_OUT_OF_SCOPE' });
    const log = await t.as('auditor')('GET', '/customers/C-3/personal-data/access-log');
    expect(log.body.items).toEqual([expect.objectContaining({ actorId: 'dialer-1', actorRole: 'service', purpose: 'CONTACT_DEBTOR' })]);
  });

  it('erases a customer by destroying the key: the data is gone, the erasure recorded, nothing can restore it', async () => {
    await t.as('service')('PUT', '/customers/C-4/personal-data', PERSON);
    const erased = await t.request('DELETE', '/customers/C-4/personal-data', { reason: 'data subject request #88' });
    expect(erased.body).toEqual({ customerId: 'C-4', erased: true });
    const gone = await t.as('supervisor')('GET', '/customers/C-4/personal-data');
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('CUSTOMER_ERASED');
    const rows = await t.runtime.pool.query(
      `SELECT (SELECT count(*) FROM pii_customer_keys WHERE customer_id = 'C-4')::int AS keys, (SELECT count(*) FROM pii_records WHERE customer_id = 'C-4')::int AS records`,
    );
    expect(rows.rows[0]).toEqual({ keys: 0, records: 0 });
    const again = await t.as('service')('PUT', '/customers/C-4/personal-data', PERSON);
    expect(again.status).toBe(410);
  });

  it('rejects personal data with unknown fields or malformed values', async () => {
    const res = await t.as('service')('PUT', '/customers/C-5/personal-data', { ...PERSON, nickname: 'x', phones: ['call me'] });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['(body)', 'phones.0'].sort());
  });

  it('keeps an erasure final against concurrent writers: after the erase has answered, no clear read succeeds and the record stays gone', async () => {
    const service = t.as('service', 'core-banking');
    const rounds = 30;
    const resurrected: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const id = `C-RACE-${round}`;
      // Half the rounds race the very first write (no key row exists yet), half an update.
      if (round % 2) expect((await service('PUT', `/customers/${id}/personal-data`, PERSON)).status).toBe(204);
      const puts = Array.from({ length: 6 }, () => service('PUT', `/customers/${id}/personal-data`, PERSON));
      const erase = t.request('DELETE', `/customers/${id}/personal-data`, { reason: 'race' });
      const more = Array.from({ length: 6 }, () => service('PUT', `/customers/${id}/personal-data`, PERSON));
      expect((await erase).status).toBe(200);
      const readAfterErase = await service('GET', `/customers/${id}/personal-data?purpose=CONTACT_DEBTOR`);
      const statuses = (await Promise.all([...puts, ...more])).map((r) => r.status);
      // A write either committed before the erase (and was erased) or was refused as erased.
      const unexpected = statuses.filter((s) => s !== 204 && s !== 410);
      if (unexpected.length) resurrected.push(`${id}: writes answered ${unexpected.join(',')}`);
      const readAtEnd = await service('GET', `/customers/${id}/personal-data?purpose=CONTACT_DEBTOR`);
      const left = await t.runtime.pool.query(
        `SELECT (SELECT count(*) FROM pii_customer_keys WHERE customer_id = $1)::int + (SELECT count(*) FROM pii_records WHERE customer_id = $1)::int AS n`,
        [id],
      );
      if (readAfterErase.status !== 410 || readAtEnd.status !== 410 || left.rows[0].n !== 0)
        resurrected.push(`${id}: read ${readAfterErase.status} after the erase, ${readAtEnd.status} at the end, ${left.rows[0].n} rows left`);
    }
    expect(resurrected).toEqual([]);
  });
});

describe('the vault master key', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'arrears-vault-'));

  it('is generated beside the data directory, never inside it, and kept across starts', () => {
    const dir = dataDir();
    const config = loadConfig({ ARREARS_DATA_DIR: dir });
    const key = vaultMasterKey(config);
    expect(key.length).toBe(32);
    expect(existsSync(join(dir, 'vault-master-key'))).toBe(false);
    const file = join(`${dir}.vault`, 'master-key');
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('base64'));
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(vaultMasterKey(config).equals(key)).toBe(true);
  });

  it('moves a key an older version generated into the data directory out of it', () => {
    const dir = dataDir();
    const old = Buffer.alloc(32, 7).toString('base64');
    writeFileSync(join(dir, 'vault-master-key'), old, { mode: 0o600 });
    const keyDir = mkdtempSync(join(tmpdir(), 'arrears-vault-keys-'));
    expect(vaultMasterKey(loadConfig({ ARREARS_DATA_DIR: dir, VAULT_KEY_DIR: keyDir })).toString('base64')).toBe(old);
    expect(existsSync(join(dir, 'vault-master-key'))).toBe(false);
    expect(readFileSync(join(keyDir, 'master-key'), 'utf8')).toBe(old);
  });

  it('is refused inside the data directory, and required from the environment in production', () => {
    const dir = dataDir();
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
    };
    expect(problems({ ARREARS_DATA_DIR: dir, VAULT_KEY_DIR: join(dir, 'keys') })).toEqual([
      expect.stringMatching(/^VAULT_KEY_DIR: must not be ARREARS_DATA_DIR or inside it/),
    ]);
    expect(problems({ ARREARS_DATA_DIR: dir, VAULT_KEY_DIR: dir })).toHaveLength(1);
    expect(problems({ ARREARS_DATA_DIR: dir, VAULT_KEY_DIR: `${dir}-keys` })).toEqual([]);
    expect(problems({ ARREARS_DATA_DIR: dir, NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^VAULT_MASTER_KEY: required when NODE_ENV=production/),
    ]);
    expect(problems({ ARREARS_DATA_DIR: dir, NODE_ENV: 'production', VAULT_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') })).toEqual([]);
  });
});
