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
    const rows = await t.runtime.pool.query(`SELECT (SELECT count(*) FROM pii_customer_keys WHERE customer_id = 'C-4')::int AS keys, (SELECT count(*) FROM pii_records WHERE customer_id = 'C-4')::int AS records`);
    expect(rows.rows[0]).toEqual({ keys: 0, records: 0 });
    const again = await t.as('service')('PUT', '/customers/C-4/personal-data', PERSON);
    expect(again.status).toBe(410);
  });

  it('rejects personal data with unknown fields or malformed values', async () => {
    const res = await t.as('service')('PUT', '/customers/C-5/personal-data', { ...PERSON, nickname: 'x', phones: ['call me'] });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['(body)', 'phones.0'].sort());
  });
});
