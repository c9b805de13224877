import { jest } from '@jest/globals';
import type { Clock } from '#kernel';
import type { BusinessDay } from '#loans';
import { DispatchWorker } from '../src/application/dispatch-worker.js';
import type { CollectionClock } from '../src/application/clock.js';
import type { DispatchRunSummary, DispatchService } from '../src/application/dispatch.service.js';
import type { CommandContext } from '#eventstore';
import { ConfigError, loadConfig } from '#platform';

/**
 * The in-process dispatch scheduler: each run asks the dispatch gate to judge the rescheduled
 * actions due at the injected clock's instant, on the open date of Collection's calendar copy
 * (never a date read off the clock), and stays quiet before the calendar starts and while a day closes.
 */
describe('dispatch worker', () => {
  const runs: Array<{ at: string; businessDate: string; ctx: CommandContext }> = [];
  let day: BusinessDay | null;
  let release: () => void = () => undefined;
  let holdRuns = false;

  const dispatch = {
    async releaseDue(at: string, businessDate: string, ctx: CommandContext): Promise<DispatchRunSummary> {
      runs.push({ at, businessDate, ctx });
      if (holdRuns) await new Promise<void>((r) => (release = r));
      return { at, candidates: 1, released: 1, withheld: 0, rescheduled: 0, waiting: 0 };
    },
  } as unknown as DispatchService;
  const calendar = { day: async () => day } as unknown as CollectionClock;
  // A clock in Shanghai's evening of 2026-12-01, while Loans' calendar still has 11-30 open:
  // the run must carry the clock's instant and the calendar's date.
  let instant = new Date('2026-12-01T13:50:00.000Z');
  const clock: Clock = { now: () => instant };
  const worker = (every: number, roles: Array<'api' | 'projections' | 'relay'> = ['api', 'projections', 'relay']) =>
    new DispatchWorker(dispatch, calendar, { COLLECTION_DISPATCH_EVERY_SECONDS: every, ARREARS_ROLES: roles }, clock);

  beforeEach(() => {
    runs.length = 0;
    holdRuns = false;
    day = { status: 'open', openBusinessDate: '2026-11-30', lastClosed: '2026-11-29', startedOn: '2026-11-01' };
  });

  it('runs the dispatch path at the injected instant on the calendar’s open business date, as the system', async () => {
    const summary = await worker(60).tick();
    expect(summary).toMatchObject({ at: '2026-12-01T13:50:00.000Z', released: 1 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ at: '2026-12-01T13:50:00.000Z', businessDate: '2026-11-30' });
    expect(runs[0].ctx).toMatchObject({
      command: 'ReleaseAction',
      actor: { id: 'collection', role: 'system' },
      occurredAt: '2026-12-01T13:50:00.000Z',
      idempotencyKey: 'dispatch-worker:2026-12-01T13:50:00.000Z',
    });
  });

  it('does nothing before the calendar starts or while the day is closing', async () => {
    day = null;
    expect(await worker(60).tick()).toBeNull();
    day = { status: 'closing', openBusinessDate: '2026-11-30', lastClosed: '2026-11-29', startedOn: '2026-11-01' };
    expect(await worker(60).tick()).toBeNull();
    expect(runs).toHaveLength(0);
  });

  it('never overlaps two runs in one process', async () => {
    holdRuns = true;
    const w = worker(60);
    const first = w.tick();
    await new Promise((r) => setImmediate(r));
    expect(await w.tick()).toBeNull();
    release();
    await expect(first).resolves.toMatchObject({ released: 1 });
    expect(runs).toHaveLength(1);
  });

  it('runs every N seconds once started, only when the setting is above 0 and the process runs projections', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const off = worker(0);
      off.onApplicationBootstrap();
      const apiOnly = worker(30, ['api']);
      apiOnly.onApplicationBootstrap();
      const on = worker(30);
      on.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(29_000);
      expect(runs).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(runs).toHaveLength(1);
      instant = new Date('2026-12-01T13:50:30.000Z');
      await jest.advanceTimersByTimeAsync(30_000);
      expect(runs.map((r) => r.at)).toEqual(['2026-12-01T13:50:00.000Z', '2026-12-01T13:50:30.000Z']);
      await Promise.all([off, apiOnly, on].map((w) => w.onModuleDestroy()));
      await jest.advanceTimersByTimeAsync(60_000);
      expect(runs).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('takes its interval from COLLECTION_DISPATCH_EVERY_SECONDS, off by default, and refuses a bad one at start with the other settings', () => {
    expect(loadConfig({}).COLLECTION_DISPATCH_EVERY_SECONDS).toBe(0);
    expect(loadConfig({ COLLECTION_DISPATCH_EVERY_SECONDS: '60' }).COLLECTION_DISPATCH_EVERY_SECONDS).toBe(60);
    for (const bad of ['-1', '1.5', 'often', '3601']) {
      try {
        loadConfig({ COLLECTION_DISPATCH_EVERY_SECONDS: bad, PORT: 'x' });
        throw new Error(`accepted ${bad}`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems).toEqual(
          expect.arrayContaining([expect.stringMatching(/^COLLECTION_DISPATCH_EVERY_SECONDS: /), expect.stringMatching(/^PORT: /)]),
        );
      }
    }
  });
});
