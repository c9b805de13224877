import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { ContextRegistration } from '#messaging';
import { CONTEXTS } from '../apps/arrears/src/contexts.js';

/**
 * Contexts react to each other only through published contracts: every event type a projection
 * or reactor of one context subscribes to that another context records is one that context puts on
 * Kafka (a type in its `integrationEvents` mappers), so what the in-process readers depend on is
 * exactly what outside consumers get, and versioned the same way. Read from the registrations the
 * app composes (no app is booted) and from the event types each context declares in its `domain/`.
 */
const LIBS = fileURLToPath(new URL('../libs', import.meta.url));

/** Stream `<context>.<aggregate>-<id>` -> `<context>`. */
const contextOfPrefix = (prefix: string): string => prefix.split('.')[0];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Context (its stream name's first part) -> the event types its domain records: every `DomainEvent`
 * type its `domain/` files export (aliases and unions of them), resolved by the type checker, so an
 * event type built from a shared shape (e.g. a lifecycle's steps) counts like one spelled out.
 */
function recordedTypes(contexts: readonly ContextRegistration[]): Map<string, Set<string>> {
  const domains = new Map<string, string[]>();
  for (const lib of readdirSync(LIBS)) {
    const context = contexts.find((c) => c.name === lib.replace(/-/g, ''));
    const domain = join(LIBS, lib, 'src', 'domain');
    if (context) domains.set(context.name, existsSync(domain) ? sourceFiles(domain) : []);
  }
  const program = ts.createProgram([...domains.values()].flat(), {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const eventTypesOf = (type: ts.Type): string[] =>
    (type.isUnion() ? type.types : [type]).flatMap((member) => {
      if (member.getSymbol()?.getName() !== 'DomainEvent') return [];
      const tag = member.getProperty('type');
      const literal = tag && checker.getTypeOfSymbol(tag);
      return literal?.isStringLiteral() ? [literal.value] : [];
    });
  const out = new Map<string, Set<string>>();
  for (const [context, files] of domains) {
    const types = new Set<string>();
    for (const file of files) {
      const source = program.getSourceFile(file);
      const moduleSymbol = source && checker.getSymbolAtLocation(source);
      for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        if (!(symbol.flags & (ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Interface))) continue;
        for (const t of eventTypesOf(checker.getDeclaredTypeOfSymbol(symbol))) types.add(t);
      }
    }
    out.set(context, types);
  }
  return out;
}

/** The audit index reads every stream by design (the trail of everything recorded); it reacts to nothing. */
const READS_EVERYTHING = new Set(['audit_index']);

/**
 * One line per event type a projection subscribes to that another context records and does not
 * publish: `<context> <projection> <- <recording context> <Type>`.
 */
function unpublishedConsumption(contexts: readonly ContextRegistration[], recorded: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const published = new Map(contexts.map((c) => [c.name, new Set((c.integrationEvents ?? []).flatMap((m) => m.eventTypes))]));
  const lines = new Set<string>();
  for (const context of contexts) {
    for (const projection of context.projections) {
      if (READS_EVERYTHING.has(projection.name)) continue;
      const prefixes = projection.filter.streamPrefixes;
      const from = prefixes ? new Set(prefixes.map(contextOfPrefix)) : null;
      const types = projection.filter.eventTypes;
      if (!types) {
        // Every event of the streams it names: only its own context's streams may be read so.
        for (const other of from ?? ['(every context)']) if (other !== context.name) lines.add(`${context.name} ${projection.name} <- ${other} (every type)`);
        continue;
      }
      for (const type of types) {
        for (const [recorder, recordedThere] of recorded) {
          if (recorder === context.name || !recordedThere.has(type) || (from && !from.has(recorder))) continue;
          if (!published.get(recorder)?.has(type)) lines.add(`${context.name} ${projection.name} <- ${recorder} ${type}`);
        }
      }
    }
  }
  return [...lines].sort();
}

describe('the contexts', () => {
  const recorded = recordedTypes(CONTEXTS);

  it('know what each domain records, spelled out or built from a shared shape', () => {
    expect([...recorded.get('loans')!]).toEqual(expect.arrayContaining(['PaymentReceived', 'PenaltyAccrued', 'EndOfDayCompleted']));
    // Grading's policy and classification-rules versions share one lifecycle's event shapes.
    expect([...recorded.get('grading')!]).toEqual(
      expect.arrayContaining(['CustomerProfileUpdated', 'PolicyActivated', 'ClassificationRulesActivated', 'ActivePolicyChanged']),
    );
  });

  it('react to each other only through the event types the recording context publishes', () => {
    expect(unpublishedConsumption(CONTEXTS, recorded)).toEqual([]);
  });

  it('each publish only event types their own domain records', () => {
    for (const context of CONTEXTS) {
      const published = (context.integrationEvents ?? []).flatMap((m) => m.eventTypes);
      expect({ context: context.name, unknown: published.filter((t) => !recorded.get(context.name)?.has(t)) }).toEqual({ context: context.name, unknown: [] });
    }
  });

  it('the check finds a planted violation: a reactor on another context’s internal event, or on all its streams', () => {
    const projection = (name: string, filter: ContextRegistration['projections'][number]['filter']) =>
      ({ name, version: 1, filter, tables: {}, apply: async () => undefined }) as ContextRegistration['projections'][number];
    const contexts: ContextRegistration[] = [
      {
        name: 'alpha',
        module: class {},
        migrations: [],
        projections: [],
        integrationEvents: [{ eventTypes: ['AlphaOpened'], topic: 'arrears.alpha.v1', map: () => null }],
      },
      {
        name: 'beta',
        module: class {},
        migrations: [],
        projections: [
          projection('beta_fine', { streamPrefixes: ['alpha.thing-'], eventTypes: ['AlphaOpened'] }),
          projection('beta_planted', { eventTypes: ['AlphaOpened', 'AlphaTinkered'] }),
          projection('beta_greedy', { streamPrefixes: ['alpha.'] }),
        ],
      },
    ];
    const plantedRecords = new Map([
      ['alpha', new Set(['AlphaOpened', 'AlphaTinkered'])],
      ['beta', new Set(['BetaDone'])],
    ]);
    expect(unpublishedConsumption(contexts, plantedRecords)).toEqual(['beta beta_greedy <- alpha (every type)', 'beta beta_planted <- alpha AlphaTinkered']);
    expect(recorded.get('loans')).toContain('PenaltyAccrued');
    expect(recorded.get('selfservice')).toContain('ComplaintResolved');
  });
});
