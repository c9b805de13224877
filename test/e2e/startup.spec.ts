import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist/apps/arrears/src/main.js');

/** Runs the built service with extra environment; resolves with its exit code and standard error. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ARREARS_DATA_DIR: mkdtempSync(join(tmpdir(), 'arrears-startup-')), LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('starting the service with bad settings', () => {
  it('reports every bad setting of the configuration on its own line and exits with status 2', async () => {
    const { code, stderr } = await start({ PORT: 'eighty', DB_POOL_SIZE: '0' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT/);
    expect(stderr).toMatch(/DB_POOL_SIZE/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('does the same for a context’s own settings (monitoring), without a stack trace', async () => {
    const { code, stderr } = await start({ MONITORING_REVIEW_EVERY_DAYS: '0' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/MONITORING_REVIEW_EVERY_DAYS/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('reports the app’s bad settings and a context’s together, not one hiding the other', async () => {
    const { code, stderr } = await start({ PORT: 'eighty', MONITORING_REVIEW_ALPHA: '2' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^\s+- PORT: /m);
    expect(stderr).toMatch(/^\s+- MONITORING_REVIEW_ALPHA: /m);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
