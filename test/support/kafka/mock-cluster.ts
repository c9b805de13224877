/**
 * A Kafka cluster for tests without a Kafka server: librdkafka's mock cluster, embedded in
 * Debian's `kcat`. `kcat -X test.mock.num.brokers=3 -b localhost:9092 -C -t <any>` starts it,
 * stays up while it consumes, and logs the bootstrap address. It speaks the real Kafka protocol
 * (kafkajs produces and consumes with consumer groups against it). Its limits: it creates topics
 * on first use (4 partitions) and has no CreateTopics API; it reports controller id 0, which
 * breaks idempotent producers and admin.createTopics; it does not enforce transactional
 * isolation; a consumer group re-join waits for the previous member's session timeout.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface MockCluster {
  /** `host:port,host:port,...` */
  readonly bootstrap: string;
  readonly brokers: string[];
  /** Freezes every broker (SIGSTOP): clients see an outage, nothing is lost. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

let kcatFound: boolean | undefined;

export function kcatAvailable(): boolean {
  kcatFound ??= spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
  return kcatFound;
}

/**
 * `describe` for tests that need the mock cluster: without `kcat` they are skipped with a printed
 * reason, except in CI (`CI=true`), where a missing `kcat` fails the run.
 */
export function describeWithKafka(name: string, body: () => void): void {
  if (kcatAvailable()) {
    describe(name, body);
    return;
  }
  const reason = 'kcat is not installed (apt-get install -y kcat): it provides the mock Kafka cluster these tests run against';
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has kcat (required in CI)', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  process.stdout.write(`skipping "${name}": ${reason}\n`);
  describe.skip(name, body);
}

const BOOTSTRAP = /(?:bootstrap\.servers=|replaced with )(\d[\d.]*:\d+(?:,\d[\d.]*:\d+)*)/;

/** Starts a mock cluster of `brokers` brokers and resolves once its address is known. */
export async function startMockCluster(brokers = 3): Promise<MockCluster> {
  const child: ChildProcess = spawn('kcat', ['-X', `test.mock.num.brokers=${brokers}`, '-b', 'localhost:9092', '-C', '-q', '-t', '__mock_cluster_keepalive'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`kcat mock cluster did not report its address:\n${log}`)), 10_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = BOOTSTRAP.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat exited (${code}) before the mock cluster was up:\n${log}`));
    });
  });
  // Keep draining its log so that a full pipe never blocks it.
  child.stderr!.resume();
  let paused = false;
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    pause() {
      paused = true;
      child.kill('SIGSTOP');
    },
    resume() {
      paused = false;
      child.kill('SIGCONT');
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      if (paused) child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A message as `kcat -J` prints it. */
export interface KcatMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning to its current end with `kcat -C -e` (no consumer group): an
 * independent client, to check what kafkajs published.
 */
export async function kcatRead(bootstrap: string, topic: string): Promise<KcatMessage[]> {
  const child = spawn('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`kcat -C ${topic} exited with ${code}: ${err}`);
  return out
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => {
      const raw = JSON.parse(line) as { topic: string; partition: number; offset: number; key: string | null; payload: string | null; headers?: string[] };
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < (raw.headers?.length ?? 0); i += 2) headers[raw.headers![i]] = raw.headers![i + 1];
      return { topic: raw.topic, partition: raw.partition, offset: raw.offset, key: raw.key, payload: raw.payload, headers };
    });
}
