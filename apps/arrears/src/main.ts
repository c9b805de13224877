import 'reflect-metadata';
import { ConfigError, loadConfig } from '#platform';

// The contexts (and the modules that list them) load here rather than in static imports: a context
// that validates its own settings as it loads (monitoring's MONITORING_*) then reports a bad one
// as the configuration does, on its own lines and with exit status 2, not as a stack trace.
try {
  const [{ CONTEXTS }, { runArrears }] = await Promise.all([import('./contexts.js'), import('./process.js')]);
  await runArrears(CONTEXTS);
} catch (err) {
  if (err instanceof Error && err.name === 'MonitoringSettingsError') {
    // Every bad setting at once: the app's own (PORT, DB_POOL_SIZE, …) with the context's.
    const problems = [...((err as Error & { problems?: string[] }).problems ?? [err.message])];
    try {
      loadConfig(process.env);
    } catch (config) {
      if (config instanceof ConfigError) problems.unshift(...config.problems);
    }
    process.stderr.write(`${new ConfigError(problems).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Arrears failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
