import 'reflect-metadata';

// The contexts (and the modules that list them) load here rather than in static imports: a context
// that validates its own settings as it loads (monitoring's MONITORING_*) then reports a bad one
// as the configuration does, on its own lines and with exit status 2, not as a stack trace.
try {
  const [{ CONTEXTS }, { runArrears }] = await Promise.all([import('./contexts.js'), import('./process.js')]);
  await runArrears(CONTEXTS);
} catch (err) {
  if (err instanceof Error && err.name === 'MonitoringSettingsError') {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`Arrears failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
