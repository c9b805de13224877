import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { domainError } from '#kernel';
import { Metrics, ProblemException, measured, problem } from '#platform';

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

  it('is the only code that times commands: no library starts a command timer of its own', () => {
    const timers = files.filter((file) => relative(ROOT, file) !== PIPELINE && readFileSync(file, 'utf8').includes('commandDuration.startTimer'));
    expect(timers.map((file) => relative(ROOT, file))).toEqual([]);
  });
});

describe("the pipeline's measure of a command done on more than one stream", () => {
  const metrics = new Metrics();
  const outcomes = async () =>
    Object.fromEntries(
      (await metrics.commandDuration.get()).values
        .filter((v) => v.metricName === 'arrears_command_duration_seconds_count' && v.labels.command === 'FileSomething')
        .map((v) => [v.labels.outcome, v.value]),
    );
  const appended = async () => (await metrics.appendedEvents.get()).values.find((v) => v.labels.category === 'restructuring.request')?.value ?? 0;
  const result = (duplicate: boolean) => ({
    streamId: 'restructuring.request-r1',
    events: duplicate ? [] : [{ type: 'A' }, { type: 'B' }],
    revision: 1,
    position: null,
    duplicate,
  });

  it('records each outcome as runCommand does, and counts what was appended by the stream it names', async () => {
    await measured(metrics, 'FileSomething', async () => result(false) as never);
    await measured(metrics, 'FileSomething', async () => result(true) as never);
    await measured(metrics, 'FileSomething', async () => null);
    await measured(metrics, 'FileSomething', async () => domainError('NOPE', 'refused'));
    await expect(
      measured(metrics, 'FileSomething', async () => Promise.reject(new ProblemException(problem(409, 'TAKEN', 'Taken', 'taken')))),
    ).rejects.toThrow();
    await expect(measured(metrics, 'FileSomething', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await outcomes()).toEqual({ accepted: 1, duplicate: 2, rejected: 2, failed: 1 });
    expect(await appended()).toBe(2);
  });
});
