/**
 * The probe server's thread: answers `/health/live` and `/health/ready` on the probe port from the
 * last snapshot the main thread posted, without waiting for the main thread's event loop. A main
 * thread that has posted nothing for `staleAfterMs` (blocked, or its checks hung) is not ready; one
 * silent for `liveStaleAfterMs` is not live, so an orchestrator restarts it.
 */
import { createServer, type ServerResponse } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface ProbeSnapshot {
  /** The readiness answer: HTTP status and JSON body, as the main port gives it. */
  readonly status: number;
  readonly body: unknown;
  /** When the main thread's checks completed (epoch ms). */
  readonly checkedAt: number;
}

export interface ProbeWorkerData {
  readonly host: string;
  readonly port: number;
  readonly staleAfterMs: number;
  readonly liveStaleAfterMs: number;
}

const settings = workerData as ProbeWorkerData;
let latest: ProbeSnapshot | undefined;
/** When the main thread last posted (this thread's clock): a snapshot or a heartbeat. */
let heardAt = Date.now();

const PROBLEM_BASE = 'https://arrears.dev/problems/';
const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
};
const notReady = (detail: string, extra: Record<string, unknown>) => ({
  type: `${PROBLEM_BASE}not-ready`,
  title: 'Not ready',
  status: 503,
  code: 'NOT_READY',
  detail,
  ...extra,
});

parentPort!.on('message', (message: { kind: 'snapshot'; snapshot: ProbeSnapshot } | { kind: 'heartbeat' }) => {
  heardAt = Date.now();
  if (message.kind === 'snapshot') latest = message.snapshot;
});

const server = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, { type: `${PROBLEM_BASE}method-not-allowed`, title: 'Method not allowed', status: 405, code: 'METHOD_NOT_ALLOWED' });
  const silentMs = Date.now() - heardAt;
  if (path === '/health/live') {
    if (silentMs > settings.liveStaleAfterMs) {
      return send(res, 503, {
        type: `${PROBLEM_BASE}not-live`,
        title: 'Not live',
        status: 503,
        code: 'NOT_LIVE',
        detail: `The main thread has not answered for ${Math.round(silentMs / 1000)} s.`,
      });
    }
    return send(res, 200, { status: 'ok' });
  }
  if (path === '/health/ready') {
    if (!latest) return send(res, 503, notReady('The readiness checks have not completed yet.', { failing: ['checks'] }));
    if (silentMs > settings.staleAfterMs) {
      return send(
        res,
        503,
        notReady(`The main thread has not reported for ${Math.round(silentMs / 1000)} s.`, {
          failing: ['checks'],
          lastCheckedAt: new Date(latest.checkedAt).toISOString(),
        }),
      );
    }
    return send(res, latest.status, latest.body);
  }
  return send(res, 404, { type: `${PROBLEM_BASE}not-found`, title: 'Not found', status: 404, code: 'NOT_FOUND' });
});
server.requestTimeout = 5_000;
server.headersTimeout = 5_000;
server.listen(settings.port, settings.host, () => {
  const address = server.address();
  parentPort!.postMessage({ kind: 'listening', port: typeof address === 'object' && address ? address.port : settings.port });
});
server.on('error', (err) => parentPort!.postMessage({ kind: 'error', message: String(err.message ?? err) }));
parentPort!.on('close', () => server.close());
