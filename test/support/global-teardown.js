export default async function globalTeardown() {
  if (globalThis.__arrearsPg) await globalThis.__arrearsPg.stop();
}
