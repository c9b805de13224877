import { mintToken } from '#platform';
import { vaultContext } from '#vault';
import { TEST_JWT_SECRET, bootApp, type TestApp } from '#test-support/app.js';

/**
 * Customers are rate-limited per customer (RATE_LIMIT_CUSTOMER_MAX), whichever client acts for
 * them and whatever the channel, apart from staff subjects with the same id and from each other.
 * The vault's route stands in for any route (a customer is refused there with 403, which counts).
 */
const PATH = '/customers/C-1/personal-data';

describe('rate limits of customer principals', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp([vaultContext], { RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_MAX: '10', RATE_LIMIT_CUSTOMER_MAX: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = async (customerId: string, claims: { channel?: 'APP' | 'WEB'; act?: { sub: string } }) => {
    const config = t.runtime.config;
    const token = await mintToken(
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: new TextEncoder().encode(TEST_JWT_SECRET) },
      { sub: customerId, role: 'customer', ...claims },
    );
    const res = await fetch(`${t.baseUrl}${PATH}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, limit: res.headers.get('x-ratelimit-limit'), body: (await res.json()) as { code?: string } };
  };

  it('counts one customer across the app and the portal, apart from other customers and from a staff user of the same id', async () => {
    const first = await call('cust-R1', { channel: 'APP', act: { sub: 'bank-app' } });
    expect([first.status, first.body.code, first.limit]).toEqual([403, 'FORBIDDEN', '3']);
    expect((await call('cust-R1', { channel: 'WEB', act: { sub: 'bank-portal' } })).status).toBe(403);
    expect((await call('cust-R1', { channel: 'APP' })).status).toBe(403);
    const limited = await call('cust-R1', { channel: 'APP', act: { sub: 'bank-app' } });
    expect([limited.status, limited.body.code]).toEqual([429, 'RATE_LIMITED']);
    // Another customer has their whole allowance; a staff token whose subject is the same id is counted apart.
    expect((await call('cust-R2', { channel: 'APP' })).status).toBe(403);
    const staff = await t.as('collector', 'cust-R1')('GET', PATH);
    expect(staff.status).not.toBe(429);
    expect(staff.headers.get('x-ratelimit-limit')).toBe('10');
  });
});
