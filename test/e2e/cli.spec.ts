import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partialMonth } from '../../apps/arrears/src/simulation/report.js';

/** The operator's commands (the built CLI and simulation, as `npm run cli` and `npm run simulate` run them). */
const run = (script: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [`dist/apps/arrears/src/${script}`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, JWT_SECRET: 'cli-test-secret-of-at-least-thirty-two-chars', ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('the CLI and the simulation on the command line', () => {
  it('--help on every command says how it is used, on stdout, exit 0', () => {
    const top = run('cli.js', ['--help']);
    expect(top).toMatchObject({ status: 0, stderr: '' });
    expect(top.stdout).toContain('arrears token --role');
    expect(top.stdout).toContain('arrears projections verify');
    const token = run('cli.js', ['token', '--help']);
    expect(token.status).toBe(0);
    expect(token.stdout).toMatch(/--expires\s+lifetime/);
    const projections = run('cli.js', ['projections', 'verify', '-h']);
    expect(projections.status).toBe(0);
    expect(projections.stdout).toContain('REACTOR_NOT_REBUILDABLE');
    const simulate = run('simulate.js', ['--help']);
    expect(simulate.status).toBe(0);
    for (const option of ['--customers', '--days', '--seed', '--start', '--port', '--fresh', '--exit']) expect(simulate.stdout).toContain(option);
  });

  it('an unknown option, command or role prints what was wrong and the usage, exit 2', () => {
    const option = run('cli.js', ['token', '--role', 'admin', '--user', 'a', '--colour', 'red']);
    expect(option.status).toBe(2);
    expect(option.stderr).toContain("Unknown option '--colour'");
    expect(option.stderr).toContain('arrears token --role');
    const command = run('cli.js', ['frobnicate']);
    expect(command.status).toBe(2);
    expect(command.stderr).toContain('unknown command: frobnicate');
    const role = run('cli.js', ['token', '--role', 'emperor', '--user', 'a']);
    expect(role.status).toBe(2);
    expect(role.stderr).toContain('unknown role: emperor');
    const projections = run('cli.js', ['projections', 'rebuild']);
    expect(projections.status).toBe(2);
    expect(projections.stderr).toContain('needs a projection name or all');
    const simulate = run('simulate.js', ['--customer', '10']);
    expect(simulate.status).toBe(2);
    expect(simulate.stderr).toContain("Unknown option '--customer'");
    expect(simulate.stderr).toContain('--customers <n>');
  });

  it('mints a token with the options it was given', () => {
    const r = run('cli.js', ['token', '--role', 'collector', '--user', 'col-9', '--team', 'team-2', '--expires', '1h']);
    expect(r.status).toBe(0);
    const claims = JSON.parse(Buffer.from(r.stdout.trim().split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: 'col-9', role: 'collector', team: 'team-2' });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('the simulation keeps an earlier portfolio and says how to reopen it, unless --fresh', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'arrears-sim-keep-'));
    mkdirSync(join(dataDir, 'simulation'));
    writeFileSync(join(dataDir, 'simulation', 'marker'), 'an earlier run');
    const r = run('simulate.js', ['--customers', '5', '--days', '2'], { ARREARS_DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`An earlier simulated portfolio is kept in ${join(dataDir, 'simulation')}`);
    expect(r.stderr).toContain(`ARREARS_DATA_DIR=${join(dataDir, 'simulation')} npm start`);
    expect(r.stderr).toContain('--fresh');
  });

  it('flags the months of the report the window covers only in part', () => {
    expect(partialMonth('2026-01', '2026-01-05', '2026-04-10')).toBe('partial: 05..31 of 31 days');
    expect(partialMonth('2026-02', '2026-01-05', '2026-04-10')).toBe('');
    expect(partialMonth('2026-04', '2026-01-05', '2026-04-10')).toBe('partial: 01..10 of 30 days');
    expect(partialMonth('2024-02', '2024-02-01', '2024-02-29')).toBe('');
    expect(partialMonth('total', '2026-01-05', '2026-04-10')).toBe('');
  });
});
