import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * One command pipeline: `runCommand` in libs/platform/src/commands.ts is the only code in the
 * libraries that calls `AggregateRepository.handle`. Every intake (HTTP, Kafka, reactors, batch
 * runs' re-decisions) goes through it, so every command is timed, counted and refused the same way.
 * TypeScript's checker resolves each `.handle` to its declaration, so a renamed variable, a
 * destructured repository or a `handle` passed on as a value is found too.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIBS = join(ROOT, 'libs');
const PIPELINE = 'libs/platform/src/commands.ts';
const REPOSITORY = 'libs/eventstore/src/aggregate-repository.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every place in the given files that refers to `AggregateRepository.handle`, as `file:line`. */
function repositoryHandleUses(files: readonly string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const isRepositoryHandle = (symbol: ts.Symbol | undefined): boolean =>
    (symbol?.declarations ?? []).some(
      (d) =>
        ts.isMethodDeclaration(d) &&
        relative(ROOT, d.getSourceFile().fileName) === REPOSITORY &&
        ts.isClassDeclaration(d.parent) &&
        d.parent.name?.text === 'AggregateRepository',
    );
  const uses: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    const visit = (node: ts.Node): void => {
      let symbol: ts.Symbol | undefined;
      if (ts.isPropertyAccessExpression(node) && node.name.text === 'handle') {
        // `repository.handle(...)`, or `repository.handle` passed on as a value
        symbol = checker.getSymbolAtLocation(node.name);
      } else if (ts.isBindingElement(node) && ((node.propertyName ?? node.name) as ts.Identifier).text === 'handle') {
        // `const { handle } = repository`
        symbol = checker.getTypeAtLocation(node.parent).getProperty('handle');
      }
      if (isRepositoryHandle(symbol)) uses.push(`${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return uses;
}

describe('the command pipeline', () => {
  const files = readdirSync(LIBS).flatMap((lib) => sourceFiles(join(LIBS, lib, 'src')));
  const uses = repositoryHandleUses(files);

  it('is the only caller of AggregateRepository.handle in the libraries', () => {
    expect(uses.filter((use) => !use.startsWith(`${PIPELINE}:`))).toEqual([]);
  });

  it('calls it itself, once (the check finds a call when there is one)', () => {
    expect(uses.filter((use) => use.startsWith(`${PIPELINE}:`))).toHaveLength(1);
  });
});
