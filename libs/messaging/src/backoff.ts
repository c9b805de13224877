/** Exponential backoff with ±20% jitter: min, 2·min, 4·min, ... capped at max. */
export function backoffDelay(attempt: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** A sleep that `wake()` ends early (used to stop promptly while backing off). */
export class Sleeper {
  private wakeUp: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}

const CONNECTION_ERROR = /^(08|57P)/;

/** True for errors that say the database could not be reached (retry later, do not give up). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (typeof e?.code === 'string' && CONNECTION_ERROR.test(e.code)) ||
    /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|timeout exceeded when trying to connect/i.test(String(e?.message))
  );
}
