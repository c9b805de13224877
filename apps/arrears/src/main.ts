import 'reflect-metadata';
import { ConfigError, loadConfig } from '#platform';
import { buildApp, startRoles } from './app.js';
import { CONTEXTS } from './contexts.js';
import { ALL_MIGRATIONS } from './migrations.js';
import { createRuntime } from './runtime.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const say = (msg: string) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`);
  const runtime = await createRuntime(config, { migrations: ALL_MIGRATIONS, log: say });
  const app = await buildApp(runtime, CONTEXTS);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: finishing in-flight work`);
    const timer = setTimeout(() => {
      process.stderr.write('shutdown timed out\n');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    // Closes the HTTP server after in-flight requests, then stops projections (checkpoints are
    // committed with each batch), then the store, the pool and the embedded database.
    await app.close();
    await runtime.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await startRoles(app, runtime);
  say(`Arrears ready: roles ${config.ARREARS_ROLES.join(',')}${config.ARREARS_ROLES.includes('api') ? ` on http://${config.HOST}:${config.PORT} (docs at /docs)` : ''}`);
}

main().catch((err) => {
  process.stderr.write(`Arrears failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
