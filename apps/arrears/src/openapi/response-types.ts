/**
 * Derives the success response schema of every HTTP operation from the TypeScript return type of
 * its controller method, so the OpenAPI document describes what the code returns and cannot drift
 * from it: `npm run build` (scripts/build.mjs) derives them from the program it compiles and writes
 * `dist/openapi-responses.json`, which the app reads when it builds its document.
 *
 * Operations are keyed as @nestjs/swagger names them (`<Controller>_<method>`). This runs at
 * build time only (it needs the `typescript` dev dependency, as the build does).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

type Json = Record<string, unknown>;

const HTTP_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete']);
const MAX_DEPTH = 12;

function decoratorNames(node: ts.Node): string[] {
  return (ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []).map((d) => {
    const e = d.expression;
    return ts.isCallExpression(e) ? e.expression.getText() : e.getText();
  });
}

class SchemaWriter {
  constructor(private readonly checker: ts.TypeChecker) {}

  schema(type: ts.Type, depth = 0, seen: ReadonlySet<ts.Type> = new Set()): Json {
    const c = this.checker;
    if (depth > MAX_DEPTH || seen.has(type)) return {};
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (flags & ts.TypeFlags.StringLiteral) return { type: 'string', enum: [(type as ts.StringLiteralType).value] };
    if (flags & ts.TypeFlags.NumberLiteral) return { type: 'number', enum: [(type as ts.NumberLiteralType).value] };
    if (flags & ts.TypeFlags.BooleanLiteral) return { type: 'boolean', enum: [c.typeToString(type) === 'true'] };
    if (flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return { type: 'string' };
    if (flags & ts.TypeFlags.Number) return { type: 'number' };
    if (flags & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return { type: 'string', description: 'a big integer, as a decimal string' };
    if (flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (flags & ts.TypeFlags.Null) return { nullable: true };
    if (type.isUnion()) return this.union(type.types, depth, seen);
    if (type.isIntersection()) {
      // A branded primitive (`string & { __brand }`, as BusinessDate) is the primitive.
      const primitive = type.types.find((t) => t.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike));
      return primitive ? this.schema(primitive, depth, seen) : this.object(type, depth, seen);
    }
    const inner = new Set(seen).add(type);
    if (c.isArrayType(type) || c.isTupleType(type)) {
      const args = c.getTypeArguments(type as ts.TypeReference);
      if (c.isTupleType(type))
        return { type: 'array', items: args.length ? this.union(args, depth + 1, inner) : {}, minItems: args.length, maxItems: args.length };
      return { type: 'array', items: args[0] ? this.schema(args[0], depth + 1, inner) : {} };
    }
    const symbol = type.getSymbol();
    if (symbol?.getName() === 'Date') return { type: 'string', format: 'date-time' };
    if (flags & ts.TypeFlags.Object) return this.object(type, depth, inner);
    return {};
  }

  private union(types: readonly ts.Type[], depth: number, seen: ReadonlySet<ts.Type>): Json {
    const present = types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    const nullable = present.some((t) => t.flags & ts.TypeFlags.Null);
    const rest = present.filter((t) => !(t.flags & ts.TypeFlags.Null));
    let out: Json;
    if (rest.length === 0) out = {};
    else if (rest.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) out = { type: 'boolean' };
    // Sorted: the checker orders a union's members by when it met them, which differs between programs.
    else if (rest.every((t) => t.flags & ts.TypeFlags.StringLiteral)) out = { type: 'string', enum: rest.map((t) => (t as ts.StringLiteralType).value).sort() };
    else if (rest.every((t) => t.flags & ts.TypeFlags.NumberLiteral))
      out = { type: 'number', enum: rest.map((t) => (t as ts.NumberLiteralType).value).sort((a, b) => a - b) };
    else {
      // `boolean` is the union true | false; keep it one schema.
      const parts: Json[] = [];
      const bools = rest.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
      if (bools.length) parts.push({ type: 'boolean' });
      for (const t of rest) if (!(t.flags & ts.TypeFlags.BooleanLiteral)) parts.push(this.schema(t, depth + 1, seen));
      const distinct = [...new Map(parts.map((p) => [JSON.stringify(p), p])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
      out = distinct.length === 1 ? distinct[0] : { oneOf: distinct };
    }
    return nullable ? { ...out, nullable: true } : out;
  }

  private object(type: ts.Type, depth: number, seen: ReadonlySet<ts.Type>): Json {
    const c = this.checker;
    const properties: Record<string, Json> = {};
    const required: string[] = [];
    for (const prop of c.getPropertiesOfType(type)) {
      const declaration = prop.valueDeclaration ?? prop.declarations?.[0];
      const propType = declaration ? c.getTypeOfSymbolAtLocation(prop, declaration) : c.getTypeOfSymbol(prop);
      if (propType.getCallSignatures().length) continue;
      const schema = this.schema(propType, depth + 1, seen);
      const doc = ts.displayPartsToString(prop.getDocumentationComment(c)).trim();
      properties[prop.getName()] = doc ? { ...schema, description: doc } : schema;
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0 || (propType.isUnion() && propType.types.some((t) => t.flags & ts.TypeFlags.Undefined));
      if (!optional) required.push(prop.getName());
    }
    const index = c.getIndexTypeOfType(type, ts.IndexKind.String);
    const out: Json = { type: 'object', properties };
    if (required.length) out.required = required.sort();
    if (index) out.additionalProperties = this.schema(index, depth + 1, seen);
    return out;
  }
}

/** A problem an operation can answer: its HTTP status and stable code. */
export interface ProblemCode {
  readonly status: number;
  readonly code: string;
}

const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const CATEGORY_STATUS: Record<string, number> = { rule: 422, not_found: 404, conflict: 409, forbidden: 403 };

/**
 * The problem codes code can answer, found by walking it: `domainError(code, …, category)`,
 * `problem(status, code, …)`, `notFound(code, …)` and `{ code: 'X' }` refusals (422) in the code
 * itself, in every function or method it calls that the program has the body of (resolved by the
 * type checker), and, where it builds a command (`{ type: 'RequestWriteOff', … }`), in every
 * `case 'RequestWriteOff':` of the program's deciders, which a repository reaches only through an
 * interface. It over-approximates (a helper's every refusal counts) and misses codes built at run
 * time; the document adds the refusals every operation of a kind shares (document.ts).
 */
class ProblemCodeFinder {
  private readonly memo = new Map<ts.Node, Map<string, number>>();
  private readonly cases = new Map<string, ts.Node[]>();

  constructor(
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
  ) {
    for (const file of program.getSourceFiles()) {
      // Deciders live in the contexts' domain folders; reactors elsewhere switch on event types the command records, which the HTTP answer never waits for.
      if (!this.own(file) || !/\/libs\/[^/]+\/src\/domain\//.test(file.fileName)) continue;
      const visit = (node: ts.Node): void => {
        if (ts.isCaseClause(node) && ts.isStringLiteral(node.expression))
          this.cases.set(node.expression.text, [...(this.cases.get(node.expression.text) ?? []), node]);
        // A decider written as a table of handlers by command type (kernel's decideByType): `Type: handler`.
        if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z]/.test(node.name.text)) {
          const handler = node.initializer;
          const target = ts.isIdentifier(handler) ? this.checker.getSymbolAtLocation(handler)?.declarations?.find((d) => ts.isFunctionDeclaration(d)) : handler;
          if (target && ts.isFunctionLike(target)) this.cases.set(node.name.text, [...(this.cases.get(node.name.text) ?? []), target]);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }
  }

  private own(file: ts.SourceFile): boolean {
    return !file.isDeclarationFile && !file.fileName.includes('/node_modules/') && !this.program.isSourceFileFromExternalLibrary(file);
  }

  /** Code → status for a node (a method, a function, a case clause) and everything it reaches. */
  of(root: ts.Node): Map<string, number> {
    const known = this.memo.get(root);
    if (known) return known;
    const found = new Map<string, number>();
    this.memo.set(root, found); // a cycle sees what is found so far
    const add = (codes: Iterable<string>, status: number) => {
      for (const code of codes) if (!found.has(code)) found.set(code, status);
    };
    const merge = (other: Map<string, number>) => other.forEach((status, code) => add([code], status));
    const literals = (node: ts.Node | undefined): string[] => {
      const out: string[] = [];
      const visit = (n: ts.Node): void => {
        if (ts.isStringLiteralLike(n) && CODE.test(n.text)) out.push(n.text);
        ts.forEachChild(n, visit);
      };
      if (node) visit(node);
      return out;
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
        const [first, second, , fourth] = node.arguments;
        if (name === 'domainError') add(literals(first), CATEGORY_STATUS[fourth && ts.isStringLiteralLike(fourth) ? fourth.text : 'rule'] ?? 422);
        else if (name === 'problem' && first && ts.isNumericLiteral(first)) add(literals(second), Number(first.text));
        else if (/^notFound$/i.test(name)) add(literals(first), 404);
        // The callee's declaration by its symbol (cheaper than resolving the call's signature); an alias is followed to what it imports.
        let symbol = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(callee) ? callee.name : callee);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
        for (const declaration of symbol?.declarations ?? []) {
          const body =
            ts.isFunctionLike(declaration) && 'body' in declaration
              ? declaration
              : ts.isVariableDeclaration(declaration) && declaration.initializer && ts.isFunctionLike(declaration.initializer)
                ? declaration.initializer
                : undefined;
          if (body && (body as { body?: ts.Node }).body && this.own(declaration.getSourceFile())) merge(this.of(body));
        }
      }
      // A command type passed to a builder (`byActor('RequestWriteOff', …)`) reaches its handler too.
      if (ts.isCallExpression(node))
        for (const arg of node.arguments) if (ts.isStringLiteralLike(arg)) for (const clause of this.cases.get(arg.text) ?? []) merge(this.of(clause));
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && ts.isStringLiteralLike(node.initializer)) {
        if (node.name.text === 'type') for (const clause of this.cases.get(node.initializer.text) ?? []) merge(this.of(clause));
        if (node.name.text === 'code' && CODE.test(node.initializer.text)) add([node.initializer.text], 422);
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(root, visit);
    return found;
  }
}

/** The controller sources the schemas are derived from: every context's api/ folder and the app's infra/. */
export const CONTROLLER_FILES = /\/(libs\/[^/]+\/src\/api|apps\/arrears\/src\/infra)\/[^/]+\.ts$/;

/** `<Controller>_<method>` → { status, schema }, from a fresh program over the project's tsconfig.json. */
export function responseSchemas(projectRoot: string): Record<string, OperationFacts> {
  const config = ts.readConfigFile(join(projectRoot, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, projectRoot);
  return responseSchemasOf(
    ts.createProgram(
      parsed.fileNames.filter((f) => CONTROLLER_FILES.test(f)),
      parsed.options,
    ),
  );
}

export interface OperationFacts {
  readonly status: number;
  readonly schema: Json | null;
  /** The problems the controller method's code can answer, by status then code. */
  readonly problems: readonly ProblemCode[];
}

/** `<Controller>_<method>` → { status, schema, problems } for every route method of every controller in the program (the build's own, see scripts/build.mjs). */
export function responseSchemasOf(program: ts.Program): Record<string, OperationFacts> {
  const files = program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => CONTROLLER_FILES.test(f));
  const checker = program.getTypeChecker();
  const writer = new SchemaWriter(checker);
  const finder = new ProblemCodeFinder(program, checker);
  const out: Record<string, OperationFacts> = {};
  for (const file of files.sort()) {
    const source = program.getSourceFile(file)!;
    // A controller class made by a factory is renamed (`Object.defineProperty(C, 'name', { value: … })`)
    // to the names its instances carry; its operations are keyed by each of them.
    const aliases = new Map<string, string[]>();
    const classes: ts.ClassDeclaration[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name && decoratorNames(node).includes('Controller')) classes.push(node);
      if (
        ts.isCallExpression(node) &&
        node.expression.getText() === 'Object.defineProperty' &&
        node.arguments.length === 3 &&
        ts.isStringLiteral(node.arguments[1]) &&
        node.arguments[1].text === 'name'
      ) {
        const names: string[] = [];
        const collect = (n: ts.Node): void => {
          if (ts.isStringLiteral(n)) names.push(n.text);
          ts.forEachChild(n, collect);
        };
        collect(node.arguments[2]);
        aliases.set(node.arguments[0].getText(), names);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const node of classes) {
      const classNames = aliases.get(node.name!.text) ?? [node.name!.text];
      for (const member of node.members) {
        if (!ts.isMethodDeclaration(member)) continue;
        const names = decoratorNames(member);
        const verb = names.find((n) => HTTP_DECORATORS.has(n));
        if (!verb) continue;
        const code = ts
          .getDecorators(member)
          ?.map((d) => d.expression)
          .find((e) => ts.isCallExpression(e) && e.expression.getText() === 'HttpCode');
        const status = code && ts.isCallExpression(code) ? Number(code.arguments[0].getText()) : verb === 'Post' ? 201 : 200;
        const signature = checker.getSignatureFromDeclaration(member)!;
        const returned = checker.getAwaitedType(checker.getReturnTypeOfSignature(signature)) ?? checker.getReturnTypeOfSignature(signature);
        const empty = returned.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined);
        const schema = empty ? null : writer.schema(returned);
        const problems = [...finder.of(member)].map(([c, st]) => ({ status: st, code: c })).sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
        for (const name of classNames) out[`${name}_${(member.name as ts.Identifier).text}`] = { status, schema, problems };
      }
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Where the build writes the schemas (`dist/openapi-responses.json`), found from the package root. */
export function responsesFile(root = packageRoot()): string {
  return join(root, 'dist', 'openapi-responses.json');
}

export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Writes the schemas the build's program derives (scripts/build.mjs calls this after emitting). */
export function writeResponseSchemas(root: string, program: ts.Program): string {
  const file = responsesFile(root);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(responseSchemasOf(program))}\n`);
  return relative(root, file);
}
