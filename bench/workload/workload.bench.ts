/**
 * The real workload: the deployable app (`dist/apps/arrears/src/main.js`, every role: api,
 * projections, relay) in a process of its own on the embedded Postgres, a portfolio of loans
 * registered over HTTP, and an open-loop mix of real commands over HTTP from this process:
 * payments from core banking, collectors' contact attempts and promises on their own cases, work
 * queue reads, and business-day closes (each one the Loans end of day over the whole portfolio,
 * followed by Collection's, Grading's and Monitoring's reactions). Every projection and reactor the
 * app registers runs. The rate ramps step by step; a step holds when, over the whole hold, the
 * commands succeed (2xx or a rule's 422), the read models' lag stays bounded and does not grow.
 *
 * Also measured: readiness latency under load, the app's resident memory, CPU seconds spent in the
 * app and in Postgres during each hold (what limits it), and a payment's latency on a loan with
 * ~10 events against one with ~500 (a command's cost must not grow with its stream).
 *
 * Settings: BENCH_LOANS (20000), BENCH_HOLD_SECONDS (60), BENCH_RATES (comma list, e.g.
 * 200,400,600), BENCH_CLOSE_EVERY_SECONDS (30): a whole business day every 30 s, ~2,900 times a bank's pace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { addDays, type BusinessDate } from '#kernel';
import { freePort, mintToken } from '#platform';
import { benchServer, machine, round, serverFacts, writeResult } from '../support.js';

const LOANS = Number(process.env.BENCH_LOANS ?? 20_000);
const HOLD = Number(process.env.BENCH_HOLD_SECONDS ?? 60);
const RATES = (process.env.BENCH_RATES ?? '150,300,450,600,800,1000').split(',').map(Number);
const CLOSE_EVERY = Number(process.env.BENCH_CLOSE_EVERY_SECONDS ?? 30);
const COLLECTORS = 40;
const TEAM = 'team-1';
const SECRET = 'bench-secret-of-at-least-thirty-two-chars';
const START: BusinessDate = '2026-03-02';
const MAX_IN_FLIGHT = 512;

type Kind = 'payment' | 'contact' | 'promise' | 'queue' | 'close';
interface Sample {
  kind: Kind;
  ms: number;
  status: number;
}

const pct = (values: number[], p: number) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of the bench's own Postgres cluster: its postmaster (found as the parent of a backend
 * connected to the bench's database) and every process it forked. Other clusters on the machine
 * (tests running meanwhile) are not counted.
 */
function postgresCpuSeconds(database: string): number {
  const procs: Array<{ pid: number; ppid: number; cmd: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.split(') ')[1].split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.push({ pid: Number(entry), ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  const backend = procs.find((p) => p.cmd.includes(` ${database} `));
  if (!backend) return 0;
  const postmaster = backend.ppid;
  return cpuSeconds(postmaster) + procs.filter((p) => p.ppid === postmaster).reduce((sum, p) => sum + cpuSeconds(p.pid), 0);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

class Api {
  private readonly tokens = new Map<string, string>();
  constructor(
    private readonly base: string,
    private readonly secret: Uint8Array,
  ) {}

  async token(role: string, sub: string, team?: string): Promise<string> {
    const key = `${role}:${sub}:${team ?? ''}`;
    let t = this.tokens.get(key);
    if (!t) {
      t = await mintToken({ issuer: 'arrears', audience: 'arrears', secret: this.secret }, { sub, role: role as 'service', ...(team ? { team } : {}) }, '24h');
      this.tokens.set(key, t);
    }
    return t;
  }

  async call(role: string, sub: string, method: string, path: string, body?: unknown, team?: string, key?: string): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token(role, sub, team)}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key) headers['idempotency-key'] = key;
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  async ok(what: string, role: string, sub: string, method: string, path: string, body?: unknown, team?: string): Promise<any> {
    const res = await this.call(role, sub, method, path, body, team);
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 600_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]);
    }),
  );
}

/** A 3-month cash loan disbursed a month before START: its first installment falls due on START + 1. */
function loanBody(n: number) {
  const disbursementDate = addDays(START, -30);
  return {
    loanId: `W-${n}`,
    customerId: `WC-${n}`,
    productCode: 'CASH-3M',
    principal: 300_000,
    annualRateBps: 1200,
    termMonths: 3,
    disbursementDate,
    timeZone: 'Asia/Shanghai',
    schedule: [
      { seq: 1, dueDate: addDays(START, 1), principal: 100_000, interest: 3_000 },
      { seq: 2, dueDate: addDays(START, 31), principal: 100_000, interest: 2_000 },
      { seq: 3, dueDate: addDays(START, 61), principal: 100_000, interest: 1_000 },
    ],
  };
}

async function main() {
  const server = await benchServer();
  let app: ChildProcess | undefined;
  try {
    const url = await server.database('workload');
    const dbName = new URL(url).pathname.slice(1);
    const port = await freePort();
    const probePort = await freePort();
    // BENCH_APP_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the app process.
    const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
    app = spawn(process.execPath, [...nodeArgs, 'dist/apps/arrears/src/main.js'], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(port),
        PROBE_PORT: String(probePort),
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '10000000',
        RATE_LIMIT_ANONYMOUS_MAX: '10000000',
        PROJECTION_POLL_MS: '200',
        ...(process.env.BENCH_APP_ROLES ? { ARREARS_ROLES: process.env.BENCH_APP_ROLES } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    const api = new Api(base, new TextEncoder().encode(SECRET));
    await until(
      'the app to be ready',
      async () => {
        try {
          return (await fetch(`${base}/health/ready`)).status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      120_000,
    );
    const pid = app.pid!;

    const settled = async (what: string) => {
      let quiet = 0;
      await until(what, async () => {
        const res = await api.call('admin', 'bench-admin', 'GET', '/admin/projections');
        const items = (res.body?.items ?? []) as { caughtUp: boolean }[];
        quiet = items.length > 0 && items.every((p) => p.caughtUp) ? quiet + 1 : 0;
        return quiet >= 3 ? true : undefined;
      });
    };

    // ---- set-up: a strategy under maker-checker, certified collectors, the calendar, the portfolio ----
    const t0 = Date.now();
    await api.ok('calendar', 'service', 'core-banking', 'POST', '/loans/calendar', { openBusinessDate: START });
    // Each context keeps its own copy of Loans' calendar: wait until they have it.
    await settled('the calendar copies');
    await api.ok('propose strategy', 'risk_manager', 'rm-1', 'POST', '/collection/strategies', {
      strategyId: 'bench-standard',
      keys: ['A', 'B', 'C', 'D', 'E'].flatMap((grade) => ['M1', 'M2', 'M3', 'M4', 'M5', 'M6+'].map((stage) => ({ grade, stage }))),
      // A reminder on the first day, then a call every day past due: actions nobody performs expire
      // at the close of their day, so each day's queue holds that day's calls.
      champion: [
        { stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-sms-1', priority: 3 },
        ...Array.from({ length: 45 }, (_, i) => ({
          stepId: `call-${i + 1}`,
          when: { dpdDay: i + 1 },
          channel: 'CALL',
          purpose: 'NEGOTIATION',
          templateId: 'tpl-call',
          priority: 1,
        })),
      ],
      reason: 'bench: the workload strategy',
    });
    await api.ok('approve strategy', 'risk_manager', 'rm-2', 'POST', '/collection/strategies/bench-standard/versions/1/approve', {});
    await api.ok('activate strategy', 'risk_manager', 'rm-2', 'POST', '/collection/strategies/bench-standard/versions/1/activate', {
      effectiveFrom: START,
      businessDate: START,
    });
    const collectors = Array.from({ length: COLLECTORS }, (_, i) => `wcol-${i + 1}`);
    for (const collectorId of collectors) {
      await api.ok('collector', 'supervisor', 'sup-1', 'POST', '/collection/collectors', { collectorId, team: TEAM, capacity: 2_000, skills: ['*'] }, TEAM);
      await api.ok(
        'training',
        'supervisor',
        'sup-1',
        'POST',
        `/collection/collectors/${collectorId}/trainings`,
        { courseId: 'basic-101', score: 90, completedOn: addDays(START, -60) },
        TEAM,
      );
      await api.ok(
        'certification',
        'supervisor',
        'sup-1',
        'POST',
        `/collection/collectors/${collectorId}/certifications`,
        {
          certification: 'COLLECTION_BASIC',
          courseId: 'basic-101',
          grantedOn: addDays(START, -59),
          expiresOn: addDays(START, 300),
        },
        TEAM,
      );
    }
    const registerStarted = Date.now();
    await inParallel(
      Array.from({ length: LOANS }, (_, n) => n),
      32,
      async (n) => {
        await api.ok(`register W-${n}`, 'service', 'core-banking', 'POST', '/loans/accounts', loanBody(n));
      },
    );
    const registerSeconds = (Date.now() - registerStarted) / 1000;
    // 85 % pay the first installment on time; the others become delinquent, and their cases open.
    let openDate: BusinessDate = START;
    const closeDay = async (date: BusinessDate) => {
      await api.ok(`close ${date}`, 'service', 'core-banking', 'POST', '/loans/calendar/close', { businessDate: date });
      await until(`end of day ${date}`, async () => {
        const r = await api.call('service', 'core-banking', 'GET', `/loans/calendar/days/${date}`);
        return r.status === 200 && r.body.status === 'completed' ? true : undefined;
      });
    };
    await closeDay(START);
    openDate = addDays(START, 1);
    await inParallel(
      Array.from({ length: LOANS }, (_, n) => n).filter((n) => n % 100 >= 15),
      32,
      async (n) => {
        await api.ok('pay', 'service', 'core-banking', 'POST', `/loans/accounts/W-${n}/payments`, {
          reference: `W-${n}-1`,
          amount: 103_000,
          valueDate: openDate,
        });
      },
    );
    for (let d = 0; d < 3; d++) {
      await closeDay(openDate);
      openDate = addDays(openDate, 1);
    }
    await settled('the read models after set-up');
    const setupSeconds = (Date.now() - t0) / 1000;

    // The cases each collector works: from their work queues.
    const work: Array<{ caseId: string; loanId: string; collectorId: string; overdue: number }> = [];
    for (const collectorId of collectors) {
      const q = await api.ok('queue', 'collector', collectorId, 'GET', `/collection/work-queue?date=${openDate}`, undefined, TEAM);
      const seen = new Set<string>();
      for (const item of q.items as Array<{ caseId: string; loanId: string; overdueAmount: number }>) {
        if (seen.has(item.caseId)) continue;
        seen.add(item.caseId);
        work.push({ caseId: item.caseId, loanId: item.loanId, collectorId, overdue: item.overdueAmount });
      }
    }
    if (!work.length) throw new Error('no case reached a collector during set-up');

    // ---- the ramp ------------------------------------------------------------------------------
    let seq = 0;
    let minute = 0;
    const steps: any[] = [];
    for (const rate of RATES) {
      const samples: Sample[] = [];
      const lagSamples: Array<{ t: number; maxSeconds: number; maxPositions: number; byName: Record<string, number> }> = [];
      const readiness: number[] = [];
      const probeReadiness: number[] = [];
      let inFlight = 0;
      let dropped = 0;
      let running = true;
      const closes: Array<{ date: BusinessDate; closedInMs: number; caughtUpInMs: number }> = [];
      const closeWindows: Array<{ from: number; to: number }> = [];
      const closeAbsorbed = () => closeWindows.map((w) => (Number.isFinite(w.to) ? round(w.to - w.from, 1) : null));
      const fire = (kind: Kind, work_: () => Promise<{ status: number }>) => {
        if (inFlight >= MAX_IN_FLIGHT) {
          dropped++;
          return;
        }
        inFlight++;
        const started = performance.now();
        void work_()
          .then((r) => samples.push({ kind, ms: performance.now() - started, status: r.status }))
          .catch(() => samples.push({ kind, ms: performance.now() - started, status: 0 }))
          .finally(() => inFlight--);
      };
      const one = () => {
        const r = Math.random();
        const n = seq++;
        if (r < 0.5) {
          const loan = Math.floor(Math.random() * LOANS);
          fire('payment', () =>
            api.call(
              'service',
              'core-banking',
              'POST',
              `/loans/accounts/W-${loan}/payments`,
              { reference: `wl-${rate}-${n}`, amount: 500 + (n % 2000), valueDate: openDate },
              undefined,
              `wl-${rate}-${n}`,
            ),
          );
          return;
        }
        const c = work[n % work.length];
        const at = new Date(Date.parse(`${openDate}T02:00:00Z`) + (minute++ % 480) * 60_000).toISOString();
        if (r < 0.75) {
          const outcome = n % 5 === 0 ? 'RIGHT_PARTY_CONTACT' : 'NO_ANSWER';
          fire('contact', () =>
            api.call(
              'collector',
              c.collectorId,
              'POST',
              `/collection/cases/${c.caseId}/contacts`,
              { attemptId: `wa-${rate}-${n}`, channel: 'CALL', outcome, at },
              TEAM,
            ),
          );
        } else if (r < 0.85) {
          fire('promise', () =>
            api.call(
              'collector',
              c.collectorId,
              'POST',
              `/collection/cases/${c.caseId}/contacts`,
              {
                attemptId: `wp-${rate}-${n}`,
                channel: 'CALL',
                outcome: 'PROMISE_TO_PAY',
                at,
                promise: { amount: Math.max(100, c.overdue), dueOn: addDays(openDate, 3) },
              },
              TEAM,
            ),
          );
        } else {
          fire('queue', () => api.call('collector', c.collectorId, 'GET', `/collection/work-queue?date=${openDate}`, undefined, TEAM));
        }
      };
      const cpuApp0 = cpuSeconds(pid);
      const cpuPg0 = postgresCpuSeconds(dbName);
      const holdStarted = Date.now();
      // Open loop: every 10 ms, the requests due by now.
      const generator = (async () => {
        let issued = 0;
        while (running) {
          const due = Math.floor(((Date.now() - holdStarted) / 1000) * rate);
          while (issued < due) {
            one();
            issued++;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const sampler = (async () => {
        while (running) {
          const s0 = performance.now();
          const ready = await fetch(`${base}/health/ready`)
            .then((r) => r.status)
            .catch(() => 0);
          readiness.push(performance.now() - s0);
          // The same answer on the probe port (PROBE_PORT: a thread of its own), as an orchestrator asks it.
          const p0 = performance.now();
          const probed = await fetch(`http://127.0.0.1:${probePort}/health/ready`)
            .then((r) => r.status)
            .catch(() => 0);
          probeReadiness.push(probed === 200 || probed === 503 ? performance.now() - p0 : Number.POSITIVE_INFINITY);
          const res = await api.call('admin', 'bench-admin', 'GET', '/admin/projections');
          const items = (res.body?.items ?? []) as Array<{ name: string; lagSeconds: number; lagPositions: number }>;
          const byName: Record<string, number> = {};
          for (const p of items) byName[p.name] = p.lagSeconds;
          lagSamples.push({
            t: (Date.now() - holdStarted) / 1000,
            maxSeconds: Math.max(0, ...items.map((p) => p.lagSeconds)),
            maxPositions: Math.max(0, ...items.map((p) => p.lagPositions)),
            byName,
          });
          if (ready !== 200 && ready !== 503) readiness.push(Number.POSITIVE_INFINITY);
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      const closer = (async () => {
        while (running) {
          await new Promise((r) => setTimeout(r, CLOSE_EVERY * 1000));
          if (!running) break;
          const date = openDate;
          const c0 = performance.now();
          const res = await api.call('service', 'core-banking', 'POST', '/loans/calendar/close', { businessDate: date });
          samples.push({ kind: 'close', ms: performance.now() - c0, status: res.status });
          if (res.status >= 300) continue;
          openDate = addDays(date, 1);
          const closeAt = (Date.now() - holdStarted) / 1000;
          await until(
            `end of day ${date}`,
            async () => {
              const r = await api.call('service', 'core-banking', 'GET', `/loans/calendar/days/${date}`);
              return r.status === 200 && r.body.status === 'completed' ? true : undefined;
            },
            120_000,
            100,
          ).catch(() => undefined);
          const closedInMs = Math.round(performance.now() - c0);
          // Then until every read model and reaction has absorbed the day (Collection's, Grading's
          // and Monitoring's work on it included).
          let quiet = 0;
          await until(
            `read models after ${date}`,
            async () => {
              const r = await api.call('admin', 'bench-admin', 'GET', '/admin/projections');
              // Under load something always waits; "absorbed" is every projection within about two
              // seconds of traffic, three samples in a row.
              const items = (r.body?.items ?? []) as Array<{ lagPositions: number; lagSeconds: number }>;
              quiet = items.length > 0 && items.every((p) => p.lagSeconds < 2 && p.lagPositions < Math.max(200, 2 * rate * 5)) ? quiet + 1 : 0;
              return quiet >= 3 ? true : undefined;
            },
            180_000,
            200,
          ).catch(() => undefined);
          const caughtUpInMs = Math.round(performance.now() - c0);
          closeWindows.push({ from: closeAt, to: closeAt + caughtUpInMs / 1000 });
          closes.push({ date, closedInMs, caughtUpInMs });
        }
      })();
      await new Promise((r) => setTimeout(r, HOLD * 1000));
      running = false;
      await generator;
      await sampler;
      const drainStarted = Date.now();
      await until('in-flight requests', async () => (inFlight === 0 ? true : undefined), 120_000, 20);
      await closer;
      const cpuApp = cpuSeconds(pid) - cpuApp0;
      const cpuPg = postgresCpuSeconds(dbName) - cpuPg0;
      const seconds = (Date.now() - holdStarted) / 1000;
      await settled('catch-up after the hold');
      const catchUpSeconds = (Date.now() - drainStarted) / 1000;

      const byKind: Record<string, any> = {};
      for (const kind of ['payment', 'contact', 'promise', 'queue', 'close'] as Kind[]) {
        const of = samples.filter((s) => s.kind === kind);
        byKind[kind] = {
          count: of.length,
          ok: of.filter((s) => s.status >= 200 && s.status < 300).length,
          refused422: of.filter((s) => s.status === 422).length,
          failed: of.filter((s) => s.status === 0 || s.status >= 500 || (s.status >= 300 && s.status !== 422 && s.status !== 409)).length,
          p50ms: round(
            pct(
              of.map((s) => s.ms),
              50,
            ),
            1,
          ),
          p99ms: round(
            pct(
              of.map((s) => s.ms),
              99,
            ),
            1,
          ),
        };
      }
      const commands = samples.filter((s) => s.kind !== 'queue' && s.kind !== 'close');
      const failed = samples.filter((s) => s.status === 0 || s.status >= 500).length;
      const lagSeconds = lagSamples.map((s) => s.maxSeconds);
      const lagPositions = lagSamples.map((s) => s.maxPositions);
      // Steady lag: outside the stretches from a close until everything absorbed it (a close is a
      // whole business day over the portfolio; those stretches are reported on their own).
      // A close's stretch runs from the close to the first sample, after the lag's peak that follows
      // it, at which every projection is within a second again (the Collection end of day over
      // every open case is one batch, so its reactor's lag peaks when that batch ends).
      for (const w of closeWindows) {
        const after = lagSamples.filter((x) => x.t >= w.from && x.t <= w.from + CLOSE_EVERY);
        const peak = after.reduce((best, x) => (x.maxSeconds > best.maxSeconds ? x : best), after[0] ?? { t: w.from, maxSeconds: 0 });
        const back = lagSamples.find((x) => x.t > peak.t && x.maxSeconds < 1);
        w.to = back ? back.t : Number.POSITIVE_INFINITY;
      }
      const inClose = (t: number) => closeWindows.some((w) => t >= w.from && t <= w.to);
      const steady = lagSamples.filter((s) => !inClose(s.t));
      const steadySeconds = steady.map((s) => s.maxSeconds);
      const tail = steady.filter((s) => s.t >= HOLD - 15).map((s) => s.maxSeconds);
      const head = steady.filter((s) => s.t <= 15).map((s) => s.maxSeconds);
      const growing = pct(tail, 50) > Math.max(1, 2 * pct(head, 50));
      const worst = Object.entries(
        lagSamples.reduce<Record<string, number>>((acc, s) => {
          for (const [name, v] of Object.entries(s.byName)) acc[name] = Math.max(acc[name] ?? 0, v);
          return acc;
        }, {}),
      )
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3);
      const step = {
        targetRate: rate,
        achievedPerSecond: Math.round(samples.filter((s) => s.kind !== 'close').length / seconds),
        commandsPerSecond: Math.round(commands.length / seconds),
        droppedAtClient: dropped,
        failed,
        byKind,
        closes,
        lag: {
          p50Seconds: round(pct(lagSeconds, 50), 2),
          p99Seconds: round(pct(lagSeconds, 99), 2),
          steadyP50Seconds: round(pct(steadySeconds, 50), 2),
          steadyP99Seconds: round(pct(steadySeconds, 99), 2),
          p50Positions: pct(lagPositions, 50),
          p99Positions: pct(lagPositions, 99),
          growing,
          worst,
        },
        catchUpSeconds: round(catchUpSeconds, 1),
        /** Per close: seconds until every read model was within a second again (null: not within the hold). */
        closeAbsorbedSeconds: closeAbsorbed(),
        readiness: { p50ms: round(pct(readiness, 50), 1), p99ms: round(pct(readiness, 99), 1) },
        probeReadiness: { p50ms: round(pct(probeReadiness, 50), 1), p99ms: round(pct(probeReadiness, 99), 1) },
        // Postgres' figure sums the cluster's processes at both ends of the hold: a backend that
        // exited meanwhile takes its seconds with it, so a negative difference is no measurement.
        cpuSeconds: { app: round(cpuApp, 1), postgres: cpuPg >= 0 ? round(cpuPg, 1) : null, wall: round(seconds, 1) },
        rssMiB: rssMiB(pid),
        loadAverage: loadAverage(),
      };
      const holds =
        failed <= samples.length * 0.01 &&
        dropped === 0 &&
        !growing &&
        step.lag.steadyP99Seconds < 5 &&
        step.closeAbsorbedSeconds.every((a) => a !== null && a < CLOSE_EVERY);
      steps.push({ ...step, holds });
      process.stdout.write(
        `${JSON.stringify({ rate, holds, achieved: step.achievedPerSecond, lag: step.lag, readiness: step.readiness, cpu: step.cpuSeconds, closes: closes.length })}\n`,
      );
      if (!holds) break;
    }

    // ---- a command's cost against its stream's length ----------------------------------------------
    const stream = async (loanId: string, payments: number, measured: number) => {
      const latencies: number[] = [];
      for (let i = 0; i < payments; i++) {
        const t = performance.now();
        const res = await api.call('service', 'core-banking', 'POST', `/loans/accounts/${loanId}/payments`, {
          reference: `len-${loanId}-${i}`,
          amount: 1,
          valueDate: openDate,
        });
        if (res.status >= 300) throw new Error(`payment on ${loanId}: ${res.status} ${JSON.stringify(res.body)}`);
        if (i >= payments - measured) latencies.push(performance.now() - t);
      }
      return { p50ms: round(pct(latencies, 50), 2), p99ms: round(pct(latencies, 99), 2) };
    };
    await api.ok('register', 'service', 'core-banking', 'POST', '/loans/accounts', {
      ...loanBody(LOANS),
      loanId: 'W-LONG',
      customerId: 'WC-LONG',
      disbursementDate: addDays(openDate, -1),
      schedule: loanBody(0).schedule.map((i, k) => ({ ...i, dueDate: addDays(openDate, 30 * (k + 1)) })),
    });
    await api.ok('register', 'service', 'core-banking', 'POST', '/loans/accounts', {
      ...loanBody(LOANS),
      loanId: 'W-SHORT',
      customerId: 'WC-SHORT',
      disbursementDate: addDays(openDate, -1),
      schedule: loanBody(0).schedule.map((i, k) => ({ ...i, dueDate: addDays(openDate, 30 * (k + 1)) })),
    });
    await settled('quiet before the stream-length measure');
    const short = await stream('W-SHORT', 30, 20);
    const long = await stream('W-LONG', 520, 20);

    const facts = await serverFacts(url);
    const held = steps.filter((s) => s.holds);
    const best = held[held.length - 1] ?? null;
    const result = {
      scenario: 'workload',
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: facts,
      loadAverageAtEnd: loadAverage(),
      portfolio: {
        loans: LOANS,
        cases: work.length,
        collectors: COLLECTORS,
        registerSeconds: round(registerSeconds, 1),
        registerPerSecond: Math.round(LOANS / registerSeconds),
        setupSeconds: round(setupSeconds, 1),
      },
      mix: 'payments 50 %, contact attempts 25 %, promises 10 %, work-queue reads 15 %; a business-day close every ' + CLOSE_EVERY + ' s',
      holdSeconds: HOLD,
      highestHeldRate: best?.achievedPerSecond ?? 0,
      highestHeldCommandsPerSecond: best?.commandsPerSecond ?? 0,
      steps,
      streamLength: { paymentAt10Events: short, paymentAt500Events: long },
      rssMiB: rssMiB(pid),
    };
    const row = (s: any) =>
      `| ${s.targetRate} | ${s.achievedPerSecond} | ${s.holds ? 'yes' : 'no'} | ${s.byKind.payment.p50ms} / ${s.byKind.payment.p99ms} | ${s.byKind.contact.p50ms} / ${s.byKind.contact.p99ms} | ${s.byKind.promise.p50ms} / ${s.byKind.promise.p99ms} | ${s.byKind.queue.p50ms} / ${s.byKind.queue.p99ms} | ${s.lag.steadyP50Seconds} / ${s.lag.steadyP99Seconds} s (${s.lag.p99Seconds} s; ${s.lag.p99Positions} pos)${s.lag.growing ? ', growing' : ''} | ${s.closes.map((c: any, i: number) => `${round(c.closedInMs / 1000, 1)} / ${s.closeAbsorbedSeconds[i] ?? 'not'} s`).join(', ') || '—'} | ${s.readiness.p50ms} / ${s.readiness.p99ms} | ${s.probeReadiness.p50ms} / ${s.probeReadiness.p99ms} | ${s.cpuSeconds.app} / ${s.cpuSeconds.postgres ?? 'n/a'} of ${s.cpuSeconds.wall} | ${s.rssMiB} |`;
    writeResult(
      'workload',
      result,
      `## The real workload (every projection and reactor running)

Ran ${result.ranAt} on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}, Postgres ${facts.version} (fsync ${facts.fsync}); the app (\`main.js\`, roles api, projections, relay) in its own process, the load generator and Postgres on the same ${result.machine.cpus} cores. Load average at the end: ${result.loadAverageAtEnd.join(' ')}.
Portfolio: ${LOANS} loans registered over HTTP (${result.portfolio.registerPerSecond}/s), ${work.length} open cases worked by ${COLLECTORS} collectors. Mix: ${result.mix}. Each step holds its rate open-loop for ${HOLD} s.

**Highest rate held: ${result.highestHeldRate} requests/s (${result.highestHeldCommandsPerSecond} commands/s)** (held: failures ≤ 1 %, nothing dropped by the client, steady lag p99 < 5 s and not growing, and every close absorbed by every read model before the next one).

| target/s | achieved/s | held | payment p50/p99 ms | contact p50/p99 ms | promise p50/p99 ms | queue read p50/p99 ms | steady lag p50/p99 (all p99) | close: Loans done / all caught up | readiness p50/p99 ms (main port) | readiness p50/p99 ms (probe port) | CPU s app / Postgres | RSS MiB |
|---:|---:|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|
${steps.map(row).join('\n')}

A payment on a loan with ~10 events: p50 ${short.p50ms} ms, p99 ${short.p99ms} ms; with ~500 events: p50 ${long.p50ms} ms, p99 ${long.p99ms} ms (sequential, machine otherwise idle).
`,
    );
    process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  } finally {
    if (app && app.exitCode === null) {
      app.kill('SIGTERM');
      await new Promise((r) => app!.once('exit', r));
    }
    await server.close();
  }
}

await main();
