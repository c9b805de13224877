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
      ...Object.values<any>(compose.services)
        .map((s) => s.image)
        .filter(Boolean),
      ...k8s.filter((d) => d.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c: any) => c.image)),
    ];
    expect(images.length).toBeGreaterThan(3);
    for (const image of images) expect(image).toMatch(/:[0-9][\w.-]*$/);
    expect(
      readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')
        .match(/^FROM .*$/gm)!
        .every((l) => /:[0-9]/.test(l)),
    ).toBe(true);
  });

  it('build and run the images on Node 22 LTS, the exact version CI smoke-tests the built app on', () => {
    const froms = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8').match(/^FROM .*$/gm)!;
    const ci = readFileSync(join(process.cwd(), '.ci', 'run'), 'utf8');
    const version = ci.match(/^NODE22_VERSION=(\d+\.\d+\.\d+)$/m)?.[1];
    expect(version).toMatch(/^22\./);
    expect(froms.length).toBe(2);
    for (const from of froms) expect(from).toMatch(new RegExp(`^FROM node:${version!.replace(/\./g, '\\.')}-bookworm-slim( AS build)?$`));
    // The smoke test runs after the README's test command, and on that Node.
    expect(ci).toMatch(/^npm ci && npm test\n[\s\S]*"\$node22" \.ci\/smoke\.mjs$/m);
  });

  it('give the relay role the Kafka brokers, at an address the broker advertises to the other containers', () => {
    const relays = Object.entries<any>(compose.services).filter(([, s]) =>
      String(s.environment?.ARREARS_ROLES ?? '')
        .split(',')
        .includes('relay'),
    );
    expect(relays.map(([name]) => name)).toEqual(['arrears-workers']);
    // A client connects to a bootstrap broker, then to the addresses the brokers advertise.
    const advertised = String(compose.services.kafka.environment.KAFKA_ADVERTISED_LISTENERS)
      .split(',')
      .map((listener) => listener.replace(/^[A-Z_]+:\/\//, ''));
    const containerAddresses = [...relays.map(([, s]) => s.environment.KAFKA_BROKERS), compose.services['kafka-topics'].environment.KAFKA_BOOTSTRAP];
    for (const list of containerAddresses) for (const broker of String(list).split(',')) expect(advertised).toContain(broker);
    for (const broker of advertised) expect(broker).not.toMatch(/^(localhost|127\.0\.0\.1):9092$/);

    const k8sRelays = k8s
      .filter((d) => d.kind === 'Deployment')
      .flatMap((d) => d.spec.template.spec.containers)
      .filter((c: any) => (c.env ?? []).some((e: any) => e.name === 'ARREARS_ROLES' && String(e.value).split(',').includes('relay')));
    expect(k8sRelays.length).toBeGreaterThan(0);
    for (const c of k8sRelays) expect(c.env.find((e: any) => e.name === 'KAFKA_BROKERS')?.value).toMatch(/^[a-z0-9.-]+:\d+(,[a-z0-9.-]+:\d+)*$/);
  });

  it('point probes at endpoints the app serves, and run as non-root', async () => {
    const { bootApp, eventually } = await import('#test-support/app.js');
    const t = await bootApp([], { PROBE_PORT: '0' });
    const { ProbeServer } = await import('../apps/arrears/src/infra/probe-server.js');
    const probePort = t.app.get(ProbeServer).port!;
    const config = Object.assign({}, ...k8s.filter((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('arrears')).map((d) => d.data));
    try {
      const served = new Set(routeTable(t.app).map((r) => `${r.method} ${r.url}`));
      const deployments = k8s.filter((d) => d.kind === 'Deployment');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['arrears-api', 'arrears-workers']);
      for (const d of deployments) {
        expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
        for (const c of d.spec.template.spec.containers) {
          for (const probe of [c.readinessProbe, c.livenessProbe]) {
            expect(served.has(`GET ${probe.httpGet.path}`)).toBe(true);
            // The probe's named port is the container's PROBE_PORT (answered by the probe thread) or its PORT.
            const port = c.ports.find((p: any) => p.name === probe.httpGet.port);
            expect(port).toBeDefined();
            const onProbePort = String(port.containerPort) === String(config.PROBE_PORT);
            expect(onProbePort || port.containerPort === 3000).toBe(true);
            const get = async (path: string) =>
              onProbePort ? { status: (await fetch(`http://127.0.0.1:${probePort}${path}`)).status } : t.as(null)('GET', path);
            const res = await eventually(async () => {
              const r = await get(probe.httpGet.path);
              return r.status === 200 ? r : undefined;
            });
            expect(res.status).toBe(200);
            // A timeout of its own (Kubernetes' default is 1 s), shorter than the period.
            expect(Number.isInteger(probe.timeoutSeconds) && probe.timeoutSeconds >= 1 && probe.timeoutSeconds < probe.periodSeconds).toBe(true);
            // The probe answers well within it: the slowest of 20 answers takes under a quarter of the timeout.
            let slowest = 0;
            for (let i = 0; i < 20; i++) {
              const started = performance.now();
              expect((await get(probe.httpGet.path)).status).toBe(200);
              slowest = Math.max(slowest, performance.now() - started);
            }
            expect(slowest).toBeLessThan((probe.timeoutSeconds * 1000) / 4);
          }
        }
      }
      expect(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')).toMatch(/^USER node$/m);
    } finally {
      await t.close();
    }
  });
});
