import { routeTable } from '../../apps/arrears/src/app.js';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, type TestApp } from '#test-support/app.js';

/**
 * What the README promises a caller about bodies, on the real app with every context: non-JSON
 * bodies are 415 on every route that takes one, a repeated Idempotency-Key says `duplicate: true`
 * in its body, and a loan fact before the calendar starts is 409 CALENDAR_NOT_STARTED naming the fix.
 */
describe('request bodies on the real routes', () => {
  let t: TestApp;
  const eventCount = async () => Number((await t.runtime.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0].n);

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a loan registered before the calendar started with 409 CALENDAR_NOT_STARTED that says how to start it', async () => {
    const res = await t.as('service', 'core-banking')('POST', '/loans/accounts', {
      loanId: 'LN-early',
      customerId: 'CU-early',
      productCode: 'CASH-3M',
      principal: 300_000,
      annualRateBps: 1200,
      termMonths: 1,
      disbursementDate: '2026-03-02',
      timeZone: 'Asia/Shanghai',
      schedule: [{ seq: 1, dueDate: '2026-04-02', principal: 300_000, interest: 3_000 }],
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CALENDAR_NOT_STARTED');
    expect(res.body.detail).toContain('POST /loans/calendar');
    expect(await eventCount()).toBe(0);
  });

  it('refuses a form-encoded, multipart or text body with 415 on every route that takes a body, appending nothing', async () => {
    const writes = routeTable(t.app).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
    expect(writes.length).toBeGreaterThan(50);
    const before = await eventCount();
    const answers: string[] = [];
    const token = await t.token('admin');
    for (const route of writes) {
      const url = route.url.replace(/:[A-Za-z]+/g, '2026-03-02');
      for (const [type, body] of [
        ['application/x-www-form-urlencoded', 'businessDate=2026-03-02&openBusinessDate=2026-03-02'],
        ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="businessDate"\r\n\r\n2026-03-02\r\n--x--\r\n'],
        ['text/plain', '{"openBusinessDate":"2026-03-02"}'],
      ]) {
        const res = await fetch(`${t.baseUrl}${url}`, { method: route.method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
        const problem = (await res.json()) as { code?: string };
        if (res.status !== 415 || problem.code !== 'UNSUPPORTED_MEDIA_TYPE')
          answers.push(`${route.method} ${route.url} (${type}): ${res.status} ${problem.code}`);
      }
    }
    expect(answers).toEqual([]);
    expect(await eventCount()).toBe(before);
  });

  it('answers a repeated Idempotency-Key with the first result, its body saying duplicate: true', async () => {
    const service = t.as('service', 'core-banking');
    const start = { openBusinessDate: '2026-03-02' };
    const first = await service('POST', '/loans/calendar', start, { 'idempotency-key': 'start-1' });
    const again = await service('POST', '/loans/calendar', start, { 'idempotency-key': 'start-1' });
    expect(first.status).toBe(201);
    expect(first.body.duplicate).toBe(false);
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(again.headers.get('idempotent-replay')).toBe('true');

    const loan = {
      loanId: 'LN-idem',
      customerId: 'CU-idem',
      productCode: 'CASH-3M',
      principal: 300_000,
      annualRateBps: 1200,
      termMonths: 1,
      disbursementDate: '2026-03-02',
      timeZone: 'Asia/Shanghai',
      schedule: [{ seq: 1, dueDate: '2026-04-02', principal: 300_000, interest: 3_000 }],
    };
    const registered = await service('POST', '/loans/accounts', loan, { 'idempotency-key': 'register-LN-idem' });
    const repeated = await service('POST', '/loans/accounts', loan, { 'idempotency-key': 'register-LN-idem' });
    expect(registered.status).toBe(201);
    expect(repeated.body).toEqual({ ...registered.body, duplicate: true });

    const payment = { reference: 'TX-1', amount: 10_000, valueDate: '2026-03-02' };
    const paid = await service('POST', '/loans/accounts/LN-idem/payments', payment, { 'idempotency-key': 'pay-TX-1' });
    const paidAgain = await service('POST', '/loans/accounts/LN-idem/payments', payment, { 'idempotency-key': 'pay-TX-1' });
    expect(paid.status).toBe(202);
    expect(paid.body.duplicate).toBe(false);
    expect(paidAgain.body).toEqual({ ...paid.body, duplicate: true });
    expect((await t.runtime.store.readStream('loans.loan-LN-idem')).filter((e) => e.type === 'PaymentReceived')).toHaveLength(1);
  });
});
