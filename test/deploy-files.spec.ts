import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { configSchema } from '#platform';
import { routeTable } from '../apps/arrears/src/app.js';

/**
 * No container engine runs here, so the deploy files are checked statically: they parse, every
 * setting they give the app exists in its configuration schema, images are pinned, and probes
 * point at endpoints the app serves.
 */
const DEPLOY = join(process.cwd(), 'deploy');
const KNOWN = new Set(Object.keys(configSchema.shape));

function docs(file: string): any[] {
  return loadAll(readFileSync(file, 'utf8')).filter(Boolean) as any[];
}

describe('deploy files', () => {
  const compose = docs(join(DEPLOY, 'docker-compose.yml'))[0];
  const k8s = readdirSync(join(DEPLOY, 'k8s')).flatMap((f) => docs(join(DEPLOY, 'k8s', f)));

  it('give the app only settings its configuration schema knows', () => {
    const appServices = Object.entries<any>(compose.services).filter(([name]) => name.startsWith('arrears'));
    expect(appServices.length).toBeGreaterThan(0);
    const settings = [
      ...appServices.flatMap(([, s]) => Object.keys(s.environment ?? {})),
      ...k8s.filter((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('arrears')).flatMap((d) => Object.keys(d.data)),
      ...k8s.filter((d) => d.kind === 'Secret' && d.metadata.name.startsWith('arrears')).flatMap((d) => Object.keys(d.stringData)),
      ...k8s.filter((d) => d.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.name))),
    ];
    expect(settings.filter((s) => !KNOWN.has(s))).toEqual([]);
  });

  it('pin every image to a version', () => {
    const images = [
      ...Object.values<any>(compose.services).map((s) => s.image).filter(Boolean),
      ...k8s.filter((d) => d.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c: any) => c.image)),
    ];
    expect(images.length).toBeGreaterThan(3);
    for (const image of images) expect(image).toMatch(/:[0-9][\w.-]*$/);
    expect(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8').match(/^FROM .*$/gm)!.every((l) => /:[0-9]/.test(l))).toBe(true);
  });

  it('point probes at endpoints the app serves, and run as non-root', async () => {
    const { bootApp } = await import('#test-support/app.js');
    const t = await bootApp([]);
    try {
      const served = new Set(routeTable(t.app).map((r) => `${r.method} ${r.url}`));
      const deployments = k8s.filter((d) => d.kind === 'Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['arrears-api', 'arrears-workers']);
      for (const d of deployments) {
        expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
        for (const c of d.spec.template.spec.containers) {
          for (const probe of [c.readinessProbe, c.livenessProbe]) {
            expect(served.has(`GET ${probe.httpGet.path}`)).toBe(true);
            const res = await t.as(null)('GET', probe.httpGet.path);
            expect(res.status).toBe(200);
          }
        }
      }
      expect(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    } finally {
      await t.close();
    }
  });
});
