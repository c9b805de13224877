import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { EXAMPLES } from '../../apps/arrears/src/openapi/examples.js';
import { TEST_JWT_SECRET, bootApp, type TestApp } from '#test-support/app.js';

const DOC = readFileSync(join(process.cwd(), 'docs/quickstart.md'), 'utf8');
const DOC_ADDRESS = 'http://127.0.0.1:3000';

/** The doc's runnable blocks (```sh), in order; ```text blocks are output or setup shown, not run. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Every curl of the doc that sends a literal JSON body: its path and the body. */
function literalBodies(script: string): { path: string; body: unknown }[] {
  const commands = script.replace(/\\\n\s*/g, ' ').split('\n');
  return commands.flatMap((line) => {
    const body = / -d '([^']*)'/.exec(line)?.[1];
    const path = /"\$API(\/[^"?]*)/.exec(line)?.[1];
    return body !== undefined && path ? [{ path, body: JSON.parse(body) }] : [];
  });
}

function run(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: process.cwd(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * docs/quickstart.md, run as written (its ```sh blocks, in order, in one bash with -euo pipefail;
 * only the app's address is the test app's) against a fresh app with every context: each curl must
 * succeed, and the story it tells must be what the store holds afterwards.
 */
describe('docs/quickstart.md', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends only bodies that the OpenAPI document offers as examples', () => {
    const bodies = literalBodies(shellBlocks(DOC).join('\n'));
    expect(bodies.length).toBeGreaterThanOrEqual(10);
    const unmatched = bodies.filter(({ path, body }) => {
      const route = Object.keys(EXAMPLES).find((r) => {
        const [method, template] = r.split(' ');
        return method === 'POST' && new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path);
      });
      return !route || !Object.values(EXAMPLES[route]).some((example) => JSON.stringify(example) === JSON.stringify(body));
    });
    expect(unmatched).toEqual([]);
  });

  it('runs as written: the loan goes delinquent, the case opens, the promise is kept, the case closes cured', async () => {
    const script = shellBlocks(DOC).join('\n').replaceAll(DOC_ADDRESS, t.baseUrl);
    expect(script).toContain(t.baseUrl);
    const { code, stdout, stderr } = await run(script, { JWT_SECRET: TEST_JWT_SECRET });
    // Kept for a reader of CI's artefacts (test/artifacts is not in git).
    mkdirSync(join(process.cwd(), 'test/artifacts'), { recursive: true });
    writeFileSync(join(process.cwd(), 'test/artifacts/quickstart.out'), `${stdout}\n--- stderr ---\n${stderr}`);
    expect({ code, stderr: code === 0 ? '' : stderr.slice(-2_000) }).toEqual({ code: 0, stderr: '' });

    // What the commands printed is the story of the doc.
    expect(stdout).toContain('"events":["BusinessCalendarStarted"]');
    expect(stdout).toMatch(/"status": "OPEN",\s+"stage": "M1",\s+"dpd": 1,\s+"overdueAmount": 103000,\s+"collectorId": "col-1"/);
    expect(stdout).toContain('"businessDate": "2026-03-05"');
    expect(stdout).toContain('"events":["ContactAttempted","PromiseToPayRecorded"]');
    expect(stdout).toMatch(/"status": "CLOSED",\s+"closeReason": "CURED",\s+"closedOn": "2026-03-05"/);
    expect(stdout).toMatch(/\tLoanRegistered\tcore-banking\n/);
    expect(stdout).toMatch(/\tPromiseKept\t/);

    // And the store says the same.
    const types = (await t.runtime.store.readStream('collection.case-LN-20260202-0001-E1')).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['CaseOpened', 'CaseAssigned', 'ContactAttempted', 'PromiseToPayRecorded', 'PaymentRecorded', 'PromiseKept', 'CaseClosed']),
    );
    expect(types.at(-1)).toBe('CaseClosed');
  });
});
