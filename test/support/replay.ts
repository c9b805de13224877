import { projectionsCaughtUp, type TestApp } from './app.js';
import { storeHead } from './store.js';

/**
 * Verifies every registered projection and reactor, rebuilds each one that may be rebuilt (a
 * reactor without tables answers 409 REACTOR_NOT_REBUILDABLE), and verifies again, checking that
 * the store's head did not move: replay has no side effects. Returns what it did, per name.
 */
export async function replayEverything(t: TestApp): Promise<{ rebuilt: string[]; notRebuildable: string[]; reactionsChecked: string[] }> {
  await projectionsCaughtUp(t);
  const before = await storeHead(t);
  const names: string[] = (await t.request('GET', '/admin/projections')).body.items.map((p: { name: string }) => p.name);
  const rebuilt: string[] = [];
  const notRebuildable: string[] = [];
  const reactionsChecked: string[] = [];
  const verifyAll = async () => {
    for (const name of names) {
      const res = await t.request('POST', `/admin/projections/${name}/verify`);
      expect({ name, status: res.status, ok: res.body.ok, reactions: res.body.reactions?.missing ?? 0 }).toEqual({ name, status: 200, ok: true, reactions: 0 });
      if (res.body.reactions && !reactionsChecked.includes(name)) reactionsChecked.push(name);
    }
  };
  await verifyAll();
  for (const name of names) {
    const res = await t.request('POST', `/admin/projections/${name}/rebuild`);
    if (res.status === 409 && res.body.code === 'REACTOR_NOT_REBUILDABLE') notRebuildable.push(name);
    else {
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      rebuilt.push(name);
    }
  }
  await projectionsCaughtUp(t);
  await verifyAll();
  expect(await storeHead(t)).toEqual(before);
  return { rebuilt, notRebuildable, reactionsChecked };
}
