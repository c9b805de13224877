import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type ContextRegistration, type Runtime } from '#platform';
import { buildApp, startRoles } from '../../apps/arrears/src/app.js';
import { ALL_MIGRATIONS } from '../../apps/arrears/src/migrations.js';
import { createRuntime } from '../../apps/arrears/src/runtime.js';
import { testDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly runtime: Runtime;
  readonly db: TestDatabase;
  readonly baseUrl: string;
  /** fetch against the running app; JSON bodies are encoded. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** Boots the real app on a fresh database and a real HTTP port, with the given contexts. */
export async function bootApp(contexts: readonly ContextRegistration[], env: Record<string, string> = {}): Promise<TestApp> {
  const db = await testDatabase({ migrate: false });
  const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', PORT: '0', PROJECTION_POLL_MS: '100', ...env });
  const runtime = await createRuntime(config, { migrations: [...ALL_MIGRATIONS, ...contexts.flatMap((c) => c.migrations)] });
  const app = await buildApp(runtime, contexts);
  await startRoles(app, runtime);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    runtime,
    db,
    baseUrl,
    async request(method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
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
    },
    async close() {
      await app.close();
      await runtime.close();
      await db.close();
    },
  };
}

/** Polls until `check` returns a value that is not undefined, or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
