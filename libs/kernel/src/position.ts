/**
 * A place in the global ($all) order. Both stores order $all by (commit, prepare):
 * - Postgres: commit = the appending transaction's id (xid8), prepare = the row's sequence number;
 * - EventStoreDB: its 64-bit commit and prepare positions.
 * Both parts are 64-bit and travel as bigint, never as JS numbers.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before every event: a checkpoint at START reads from the very beginning, in every store. */
export const START: Position = Object.freeze({ commit: 0n, prepare: 0n });

/** Normalises an exclusive start: 'start', undefined and START all mean "from the beginning". */
export function startingAfter(from: Position | 'start' | undefined): Position | undefined {
  return from === undefined || from === 'start' || (from.commit === 0n && from.prepare === 0n) ? undefined : from;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function formatPosition(p: Position): string {
  return `${p.commit}/${p.prepare}`;
}

export function parsePosition(text: string): Position {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new RangeError(`not a position (commit/prepare): ${text}`);
  return { commit: BigInt(m[1]), prepare: BigInt(m[2]) };
}
