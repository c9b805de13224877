import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { ProbeSnapshot, ProbeWorkerData } from './probe-worker.js';

/**
 * The worker's compiled file. A thread loads plain JavaScript, so when this module runs from its
 * TypeScript source (the tests load sources), the build's copy is used (`npm test` builds first).
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? here.replace(/\/apps\/arrears\/src\//, '/dist/apps/arrears/src/').replace(/probe-server\.ts$/, 'probe-worker.js')
    : here.replace(/probe-server\.js$/, 'probe-worker.js');
}

/**
 * Probes on a port of their own (PROBE_PORT), answered by a worker thread from the last readiness
 * snapshot: under load the main thread's event loop queues every request behind the work (a
 * readiness answer from memory still waited hundreds of milliseconds), while an orchestrator's
 * probe needs an answer within its timeout. The main thread posts each completed check and a
 * heartbeat every second; the worker turns unready when they stop (see probe-worker.ts).
 */
@Injectable()
export class ProbeServer implements OnModuleDestroy {
  private worker?: Worker;
  private heartbeat?: NodeJS.Timeout;
  private latest?: ProbeSnapshot;
  /** The port the probes listen on, once started. */
  port?: number;

  async start(host: string, port: number, options: { staleAfterMs: number; liveStaleAfterMs: number; heartbeatMs?: number }): Promise<number> {
    const data: ProbeWorkerData = { host, port, staleAfterMs: options.staleAfterMs, liveStaleAfterMs: options.liveStaleAfterMs };
    const worker = new Worker(workerFile(), { workerData: data });
    this.worker = worker;
    this.port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: { kind: string; port?: number; message?: string }) => {
        if (m.kind === 'listening') resolve(m.port!);
        if (m.kind === 'error') reject(new Error(`probe server: ${m.message}`));
      });
    });
    if (this.latest) worker.postMessage({ kind: 'snapshot', snapshot: this.latest });
    this.heartbeat = setInterval(() => worker.postMessage({ kind: 'heartbeat' }), options.heartbeatMs ?? 1_000);
    this.heartbeat.unref();
    worker.unref();
    return this.port;
  }

  /** The main port's readiness answer, for the probe port to give until the next one. */
  publish(snapshot: ProbeSnapshot): void {
    this.latest = snapshot;
    this.worker?.postMessage({ kind: 'snapshot', snapshot });
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
