import type { Projection } from '#projections';
import { tallyContext } from '#test-support/tally/tally.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { ProbeServer } from '../../apps/arrears/src/infra/probe-server.js';

/**
 * Readiness says not ready while a projection is further behind than READINESS_MAX_LAG_SECONDS:
 * a projection whose batches wait on a gate the test opens holds its oldest event back.
 */
let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
const closeGate = () => {
  gate = new Promise<void>((resolve) => (release = resolve));
};

const gatedProjection: Projection = {
  name: 'gated_tallies',
  version: 1,
  filter: { eventTypes: ['TallyOpened'] },
  tables: {},
  async apply() {
    await gate;
  },
};

describe('readiness and projection lag', () => {
  let t: TestApp;
  let probePort: number;
  beforeAll(async () => {
    t = await bootApp([{ ...tallyContext, projections: [...tallyContext.projections, gatedProjection] }], { READINESS_MAX_LAG_SECONDS: '1', PROBE_PORT: '0' });
    probePort = t.app.get(ProbeServer).port!;
  });
  const probe = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${probePort}${path}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  afterAll(async () => {
    release();
    await t?.close();
  });

  it('is ready while the projections keep up', async () => {
    await t.request('POST', '/tallies', { tallyId: 'T-1', limit: 100 });
    const ready = await eventually(async () => {
      const res = await t.as(null)('GET', '/health/ready');
      return res.status === 200 ? res : undefined;
    });
    expect(ready.body.details.projections).toMatchObject({ status: 'up', maxLagSeconds: 1, lagging: [] });
    // The probe port gives the same answer from its own thread.
    const probed = await eventually(async () => {
      const res = await probe('/health/ready');
      return res.status === 200 ? res : undefined;
    });
    expect(probed.body.details.projections).toMatchObject({ status: 'up', maxLagSeconds: 1, lagging: [] });
    expect(await probe('/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('turns 503 NOT_READY while a projection is further behind than READINESS_MAX_LAG_SECONDS, and ready again once it has caught up', async () => {
    closeGate();
    expect((await t.request('POST', '/tallies', { tallyId: 'T-2', limit: 100 })).status).toBe(201);
    // The other projection applies T-2 too; on a busy machine it may itself be a second behind for
    // a moment, so wait for the answer in which only the gated projection is still behind.
    const onlyGatedBehind = (res: TestResponse) =>
      res.status === 503 && (res.body.checks?.projections?.lagging ?? []).map((p: { name: string }) => p.name).join() === 'gated_tallies';
    const unready = await eventually(
      async () => {
        const res = await t.as(null)('GET', '/health/ready');
        return onlyGatedBehind(res) ? res : undefined;
      },
      20_000,
      'readiness to notice the lag',
    );
    expect(unready.headers.get('content-type')).toContain('application/problem+json');
    expect(unready.body.code).toBe('NOT_READY');
    expect(unready.body.failing).toEqual(['projections']);
    const projections = unready.body.checks.projections;
    expect(projections).toMatchObject({ status: 'down', halted: [], lagging: [{ name: 'gated_tallies', lagSeconds: expect.any(Number) }] });
    expect(projections.lagging[0].lagSeconds).toBeGreaterThanOrEqual(1);
    // The other projection kept up and is not named.
    expect(projections.lagging.map((p: { name: string }) => p.name)).toEqual(['gated_tallies']);
    const probed = await eventually(async () => {
      const res = await probe('/health/ready');
      return res.status === 503 ? res : undefined;
    });
    expect(probed.body).toMatchObject({ code: 'NOT_READY', failing: ['projections'] });

    release();
    await eventually(async () => ((await t.as(null)('GET', '/health/ready')).status === 200 ? true : undefined), 20_000, 'readiness after catching up');
  });
});
