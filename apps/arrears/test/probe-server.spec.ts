import { ProbeServer } from '../src/infra/probe-server.js';

/**
 * The probe port's thread answers from the main thread's last readiness snapshot, and turns unready
 * (then not live) when the main thread stops reporting: here, a server whose heartbeat never comes
 * stands for a main thread that is blocked.
 */
describe('probe server (PROBE_PORT)', () => {
  const get = async (port: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('is unready until the first check, then gives the check’s own answer', async () => {
    const probe = new ProbeServer();
    const port = await probe.start('127.0.0.1', 0, { staleAfterMs: 10_000, liveStaleAfterMs: 60_000 });
    try {
      const before = await get(port, '/health/ready');
      expect(before).toMatchObject({ status: 503, body: { code: 'NOT_READY', failing: ['checks'] } });
      expect(before.type).toContain('application/problem+json');
      probe.publish({ status: 200, body: { status: 'ok', details: { eventStore: { status: 'up' } } }, checkedAt: Date.now() });
      await sleep(50);
      expect(await get(port, '/health/ready')).toMatchObject({ status: 200, body: { status: 'ok', details: { eventStore: { status: 'up' } } } });
      probe.publish({ status: 503, body: { code: 'NOT_READY', failing: ['projections'] }, checkedAt: Date.now() });
      await sleep(50);
      expect(await get(port, '/health/ready')).toMatchObject({ status: 503, body: { code: 'NOT_READY', failing: ['projections'] } });
      expect(await get(port, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect((await get(port, '/elsewhere')).status).toBe(404);
    } finally {
      await probe.close();
    }
  });

  it('turns unready, then not live, when the main thread stops reporting', async () => {
    const probe = new ProbeServer();
    const port = await probe.start('127.0.0.1', 0, { staleAfterMs: 300, liveStaleAfterMs: 900, heartbeatMs: 60_000 });
    try {
      probe.publish({ status: 200, body: { status: 'ok' }, checkedAt: Date.now() });
      await sleep(50);
      expect((await get(port, '/health/ready')).status).toBe(200);
      await sleep(400);
      const stale = await get(port, '/health/ready');
      expect(stale).toMatchObject({ status: 503, body: { code: 'NOT_READY', failing: ['checks'] } });
      expect((await get(port, '/health/live')).status).toBe(200);
      await sleep(600);
      expect(await get(port, '/health/live')).toMatchObject({ status: 503, body: { code: 'NOT_LIVE' } });
      // The main thread reports again: ready and live.
      probe.publish({ status: 200, body: { status: 'ok' }, checkedAt: Date.now() });
      await sleep(50);
      expect((await get(port, '/health/ready')).status).toBe(200);
      expect((await get(port, '/health/live')).status).toBe(200);
    } finally {
      await probe.close();
    }
  });
});
