import 'reflect-metadata';
import { ConfigError, loadConfig } from '#platform';
import type { ContextRegistration } from '#messaging';
import { buildApp, startRoles } from './app.js';
import { ALL_MIGRATIONS } from './migrations.js';
import { createRuntime } from './runtime.js';

/**
 * Runs an Arrears process with the given contexts until SIGTERM/SIGINT: validates the
 * configuration (exit 2 on a bad setting), opens the runtime, starts the roles, and on a signal
 * shuts down gracefully: the HTTP server stops accepting and finishes in-flight requests, the
 * projection runner finishes its batch (checkpoints commit with their rows), then the store, the
 * pool and the embedded database close.
 */
export async function runArrears(contexts: readonly ContextRegistration[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const say = (msg: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`);
  const migrations = [...new Set([...ALL_MIGRATIONS, ...contexts.flatMap((c) => c.migrations)])];
  const runtime = await createRuntime(config, { migrations, log: say });
  const app = await buildApp(runtime, contexts);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: finishing in-flight work`);
    const timer = setTimeout(() => {
      process.stderr.write('shutdown timed out\n');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    await app.close();
    await runtime.close();
    clearTimeout(timer);
    say('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await startRoles(app, runtime);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  say(`Arrears ready: roles ${config.ARREARS_ROLES.join(',')} on http://${config.HOST}:${port} (docs at /docs)`);
}
