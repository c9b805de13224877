import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { comparePositions } from '#kernel';
import { loadConfig, mintToken, type Runtime, type StaffRole } from '#platform';
import type { ContextRegistration } from '#messaging';
import { buildApp, startRoles } from '../../apps/arrears/src/app.js';
import { ALL_MIGRATIONS } from '../../apps/arrears/src/migrations.js';
import { createRuntime } from '../../apps/arrears/src/runtime.js';
import { testDatabase, type TestDatabase } from './database.js';
import { startEsdbDouble, type EsdbDouble } from './esdb-double/index.js';

/**
 * Which event store the tests' apps use: Postgres (the default), or EventStoreDB when
 * ARREARS_TEST_STORE=eventstoredb (the second pass of `npm test`). On EventStoreDB each app gets a
 * fresh gRPC double of its own, or the server named by EVENTSTORE_URL when that is set.
 */
export const TEST_STORE: 'postgres' | 'eventstoredb' = process.env.ARREARS_TEST_STORE === 'eventstoredb' ? 'eventstoredb' : 'postgres';

export interface TestResponse {
  status: number;
  body: any;
  headers: Headers;
}

export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly runtime: Runtime;
  readonly db: TestDatabase;
  readonly baseUrl: string;
  /** The EventStoreDB double the events live in, when the app runs on one (see TEST_STORE). */
  readonly esdb?: EsdbDouble;
  /** The EVENTSTORE_URL the app was given, if any. */
  readonly eventStoreUrl?: string;
  /** fetch against the running app as an admin; JSON bodies are encoded. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** The same, as a given role and user; `null` sends no token. */
  as(
    role: StaffRole | null,
    user?: string,
    team?: string,
  ): (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;
  token(role: StaffRole, user?: string, team?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Boots the real app on a fresh database and a real HTTP port, with the given contexts; with
 * `replicaOf`, a second replica on that app's database (closing it leaves the database to the first).
 */
export async function bootApp(
  contexts: readonly ContextRegistration[],
  env: Record<string, string> = {},
  options: { replicaOf?: TestApp } = {},
): Promise<TestApp> {
  const shared = options.replicaOf?.db;
  const db = shared ?? (await testDatabase({ migrate: false }));
  // A replica shares its primary's store as well as its database.
  let esdb = options.replicaOf?.esdb;
  let eventStoreUrl: string | undefined = env.EVENTSTORE_URL ?? options.replicaOf?.eventStoreUrl;
  const ownsEsdb = !eventStoreUrl && !options.replicaOf && TEST_STORE === 'eventstoredb' && !process.env.EVENTSTORE_URL;
  if (!eventStoreUrl && !options.replicaOf && TEST_STORE === 'eventstoredb') {
    if (ownsEsdb) esdb = await startEsdbDouble();
    eventStoreUrl = esdb?.url ?? process.env.EVENTSTORE_URL;
  }
  const config = loadConfig({
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    PORT: '0',
    PROJECTION_POLL_MS: '100',
    JWT_SECRET: TEST_JWT_SECRET,
    // Tests send far more requests per principal than people do; the rate-limit test sets its own.
    RATE_LIMIT_MAX: '10000000',
    RATE_LIMIT_ANONYMOUS_MAX: '10000000',
    RATE_LIMIT_CUSTOMER_MAX: '10000000',
    ...(eventStoreUrl ? { EVENTSTORE_URL: eventStoreUrl } : {}),
    ...env,
  });
  const runtime = await createRuntime(config, { migrations: [...new Set([...ALL_MIGRATIONS, ...contexts.flatMap((c) => c.migrations)])] });
  const app = await buildApp(runtime, contexts);
  await startRoles(app, runtime);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const token = (role: StaffRole, user = `${role}-1`, team?: string) =>
    mintToken({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: new TextEncoder().encode(TEST_JWT_SECRET) }, { sub: user, role, team });
  const send = async (auth: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const admin = await token('admin', 'admin-1');
  return {
    app,
    runtime,
    db,
    baseUrl,
    esdb,
    eventStoreUrl,
    token,
    request: (method, path, body, headers) => send(admin, method, path, body, headers),
    as: (role, user, team) => async (method, path, body, headers) => send(role ? await token(role, user, team) : null, method, path, body, headers),
    async close() {
      await app.close();
      await runtime.close();
      if (!shared) await db.close();
      if (ownsEsdb) await esdb?.stop();
    },
  };
}

/** Polls until `check` returns a value that is not undefined, or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 45_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the store's readable head has passed every event committed so far. The head stays
 * below any transaction still open in the cluster, so a read of `$all` right after a 2xx may stop
 * short of that request's own events while another writer's transaction is open.
 */
export async function storeReadable(t: TestApp, timeoutMs = 60_000): Promise<void> {
  if (t.runtime.store.kind !== 'postgres') return;
  const { rows } = await t.runtime.pool.query<{ c: string; p: string }>(
    'SELECT tx_id::text AS c, global_position::text AS p FROM es_events ORDER BY tx_id DESC, global_position DESC LIMIT 1',
  );
  if (!rows.length) return;
  const target = { commit: BigInt(rows[0].c), prepare: BigInt(rows[0].p) };
  await eventually(
    async () => {
      const head = await t.runtime.store.headPosition();
      return head && comparePositions(head, target) >= 0 ? true : undefined;
    },
    timeoutMs,
    'the store to make every committed event readable',
  );
}

/** Waits until every projection (and reactor) has applied everything stored so far. */
export async function projectionsCaughtUp(t: TestApp, timeoutMs = 60_000): Promise<void> {
  // Projections report "caught up" against the store's readable head; wait first until that head
  // has passed every committed event, so an open transaction elsewhere cannot make a lagging read
  // model look current.
  await storeReadable(t, timeoutMs);
  await eventually(
    async () => {
      const res = await t.request('GET', '/admin/projections');
      return res.status === 200 && res.body.items.every((p: { caughtUp: boolean; status: string }) => p.caughtUp && p.status === 'running') ? true : undefined;
    },
    timeoutMs,
    'projections to catch up',
  );
}
