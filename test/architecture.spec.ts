import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The shape of the house, checked on every run: libraries depend on each other without a cycle,
 * and no library reaches into another's files except through its published entry (`#name`).
 */
const LIBS = fileURLToPath(new URL('../libs', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports, type-only ones too, as TypeScript reads them. */
const importsOf = (file: string): string[] => ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);

/** Library -> the libraries its source imports, and any relative import that leaves the library. */
function libraryGraph(libsDir: string): { readonly edges: Map<string, Set<string>>; readonly escapes: string[] } {
  const edges = new Map<string, Set<string>>();
  const escapes: string[] = [];
  for (const lib of readdirSync(libsDir)) {
    const deps = new Set<string>();
    edges.set(lib, deps);
    const src = join(libsDir, lib, 'src');
    for (const file of sourceFiles(src)) {
      for (const spec of importsOf(file)) {
        const entry = /^#([a-z-]+)(\/.*)?$/.exec(spec);
        if (entry && entry[1] !== lib) deps.add(entry[1]);
        if (spec.startsWith('.') && relative(src, resolve(file, '..', spec)).startsWith('..')) escapes.push(`${relative(libsDir, file)} imports ${spec}`);
      }
    }
  }
  return { edges, escapes };
}

/** The first cycle found, as a path that starts and ends at the same library; null when acyclic. */
function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('the libraries', () => {
  const { edges, escapes } = libraryGraph(LIBS);

  it('import each other without a cycle', () => {
    expect(findCycle(edges)).toBeNull();
  });

  it('reach each other only through their published entries', () => {
    expect(escapes).toEqual([]);
  });

  it('the cycle check finds a cycle when there is one, and reads type-only imports too', () => {
    expect(
      findCycle(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
          ['c', new Set(['a'])],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set<string>()],
        ]),
      ),
    ).toBeNull();
    expect(importsOf(join(LIBS, 'collection/src/read-model/case-scope-contract.ts'))).toContain('#case-scope');
  });

  it('the kernel depends on no other library, and case scope on no context', () => {
    expect([...(edges.get('kernel') ?? [])]).toEqual([]);
    expect([...(edges.get('case-scope') ?? [])].sort()).toEqual(['kernel', 'projections']);
  });
});
