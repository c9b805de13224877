import { vaultContext } from '#vault';
import { bootApp, type TestApp, type TestResponse } from '#test-support/app.js';

/**
 * Per-principal rate limits on the real app (the vault's routes stand in for any route): counted
 * per token subject, per role class, and per client address without a valid token; refusals are
 * 429 problems with retry-after; probes and metrics are never limited.
 */
const PATH = '/customers/C-1/personal-data';

function expectRateLimited(res: TestResponse, limit: number, windowSeconds: number) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({
    type: 'https://arrears.dev/problems/rate-limited',
    title: 'Rate limited',
    status: 429,
    code: 'RATE_LIMITED',
    instance: PATH,
    correlationId: expect.any(String),
    limit,
  });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds).toBe(true);
  expect(res.body.retryAfterSeconds).toBe(retryAfter);
  expect(res.headers.get('x-correlation-id')).toBe(res.body.correlationId);
}

async function burst(call: () => Promise<TestResponse>, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await call()).status);
  return statuses;
}

describe('rate limits', () => {
  describe('with limits for staff, service and anonymous callers', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp([vaultContext], {
        RATE_LIMIT_WINDOW_MS: '60000',
        RATE_LIMIT_MAX: '5',
        RATE_LIMIT_SERVICE_MAX: '12',
        RATE_LIMIT_ANONYMOUS_MAX: '3',
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('refuses the N+1-th request of a principal in the window with a 429 problem; another principal is unaffected', async () => {
      const colA = t.as('collector', 'col-a');
      const first = await colA('GET', PATH);
      expect(first.headers.get('x-ratelimit-limit')).toBe('5');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
      expect(await burst(() => colA('GET', PATH), 4)).toEqual([404, 404, 404, 404]);
      expectRateLimited(await colA('GET', PATH), 5, 60);
      // The subject is limited, not the token: a fresh token for col-a is refused too.
      expect((await t.as('collector', 'col-a')('GET', PATH)).status).toBe(429);
      // Another principal from the same address still has its whole allowance.
      expect(await burst(() => t.as('collector', 'col-b')('GET', PATH), 5)).toEqual([404, 404, 404, 404, 404]);
      expect((await t.as('collector', 'col-b')('GET', PATH)).status).toBe(429);
    });

    it('gives service principals their own, higher limit', async () => {
      const core = t.as('service', 'core-banking');
      expect(await burst(() => core('GET', PATH), 12)).toEqual(Array(12).fill(404));
      const refused = await core('GET', PATH);
      expectRateLimited(refused, 12, 60);
    });

    it('limits callers without a valid token by address, and never limits probes and metrics', async () => {
      const anonymous = t.as(null);
      expect(await burst(() => anonymous('GET', PATH), 3)).toEqual([401, 401, 401]);
      expectRateLimited(await anonymous('GET', PATH), 3, 60);
      // A forged token is no way around it, and neither is a forged X-Forwarded-For: no proxy is trusted.
      expect((await anonymous('GET', PATH, undefined, { authorization: 'Bearer not-a-jwt' })).status).toBe(429);
      expect((await anonymous('GET', PATH, undefined, { 'x-forwarded-for': '198.51.100.9' })).status).toBe(429);
      // A valid token is counted against its subject, not the address.
      expect((await t.as('collector', 'col-c')('GET', PATH)).status).toBe(404);
      for (const probe of ['/health/live', '/health/ready', '/metrics']) {
        expect(await burst(() => anonymous('GET', probe), 5)).toEqual([200, 200, 200, 200, 200]);
      }
    });

    it('counts refusals by role in the metrics', async () => {
      const scrape = String((await t.as(null)('GET', '/metrics')).body);
      const count = (role: string) => Number(scrape.match(new RegExp(`^arrears_http_rate_limited_total\\{role="${role}"\\} (\\d+)`, 'm'))?.[1] ?? 0);
      expect({ collector: count('collector'), service: count('service'), anonymous: count('anonymous') }).toEqual({ collector: 3, service: 1, anonymous: 3 });
    });
  });

  describe('with the default for service principals', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp([vaultContext], { RATE_LIMIT_WINDOW_MS: '3000', RATE_LIMIT_MAX: '3' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('does not limit service principals, so core banking can feed facts in bulk', async () => {
      const core = t.as('service', 'core-banking');
      const statuses = await burst(() => core('GET', PATH), 20);
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      expect((await core('GET', PATH)).headers.get('x-ratelimit-limit')).toBeNull();
    });

    it('lets a refused principal in again once the window has passed', async () => {
      const col = t.as('collector', 'col-w');
      const statuses = await burst(() => col('GET', PATH), 4);
      expect(statuses).toEqual([404, 404, 404, 429]);
      const refused = await col('GET', PATH);
      expectRateLimited(refused, 3, 3);
      await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 100));
      expect((await col('GET', PATH)).status).toBe(404);
    });
  });

  describe('across replicas behind a load balancer', () => {
    // Two replicas of the API on one database, the load balancer at 127.0.0.1 in front of both.
    const env = { RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_MAX: '6', RATE_LIMIT_ANONYMOUS_MAX: '4', TRUSTED_PROXIES: '127.0.0.1' };
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      a = await bootApp([vaultContext], env);
      b = await bootApp([vaultContext], env, { replicaOf: a });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it('counts a principal once for all replicas: the limit holds whichever replica a request lands on', async () => {
      const statuses: number[] = [];
      const remaining: Array<string | null> = [];
      for (let i = 0; i < 8; i++) {
        const res = await (i % 2 ? b : a).as('collector', 'col-r')('GET', PATH);
        statuses.push(res.status);
        remaining.push(res.headers.get('x-ratelimit-remaining'));
      }
      expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 429, 429]);
      expect(remaining.slice(0, 6)).toEqual(['5', '4', '3', '2', '1', '0']);
      expectRateLimited(await a.as('collector', 'col-r')('GET', PATH), 6, 60);
    });

    it('counts concurrent requests exactly: of 20 at once over both replicas, 6 pass', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).as('collector', 'col-burst')('GET', PATH)));
      expect(results.filter((r) => r.status === 404)).toHaveLength(6);
      expect(results.filter((r) => r.status === 429)).toHaveLength(14);
    });

    it('counts an anonymous caller by its own address from X-Forwarded-For, across replicas', async () => {
      const from = (ip: string, app: TestApp) => app.as(null)('GET', PATH, undefined, { 'x-forwarded-for': ip });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await from('203.0.113.7', i % 2 ? b : a)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      // Another client behind the same load balancer has its own allowance, and so has the balancer itself.
      expect((await from('203.0.113.8', b)).status).toBe(401);
      expect((await a.as(null)('GET', PATH)).status).toBe(401);
      const counted = await a.runtime.pool.query<{ key: string; count: string }>(
        `SELECT key, count::text FROM http_rate_limits WHERE key LIKE 'ip:%' ORDER BY key`,
      );
      expect(counted.rows).toEqual([
        { key: 'ip:127.0.0.1', count: '1' },
        { key: 'ip:203.0.113.7', count: '5' },
        { key: 'ip:203.0.113.8', count: '1' },
      ]);
    });
  });
});
