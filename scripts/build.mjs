// `npm run build`: compiles the project as `tsc -p tsconfig.build.json` does (incremental, the same
// diagnostics, exit status 2 when there are errors, output emitted all the same), then derives the
// OpenAPI response schemas from the same program (apps/arrears/src/openapi/response-types.ts), so
// the type information is built once, not twice.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = process.cwd();
const configPath = join(root, 'tsconfig.build.json');
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
if (error) {
  process.stderr.write(ts.formatDiagnostics([error], host));
  process.exit(1);
}
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
const builder = ts.createIncrementalProgram({
  rootNames: parsed.fileNames,
  options: parsed.options,
  projectReferences: parsed.projectReferences,
  configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
});
const diagnostics = [
  ...builder.getConfigFileParsingDiagnostics(),
  ...builder.getOptionsDiagnostics(),
  ...builder.getGlobalDiagnostics(),
  ...builder.getSyntacticDiagnostics(),
  ...builder.getSemanticDiagnostics(),
];
const emitted = builder.emit();
diagnostics.push(...emitted.diagnostics);
const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
if (diagnostics.length) process.stdout.write(ts.formatDiagnostics(diagnostics, host));

// Like the output, the schemas are written even when there are errors, so they never lag the code.
try {
  const { writeResponseSchemas } = await import(pathToFileURL(join(root, 'dist/apps/arrears/src/openapi/response-types.js')).href);
  writeResponseSchemas(root, builder.getProgram());
} catch (err) {
  process.stdout.write(`OpenAPI response schemas not written: ${err instanceof Error ? err.message : String(err)}\n`);
  if (!errors.length) process.exit(1);
}
if (errors.length) {
  process.stdout.write(`\nFound ${errors.length} error${errors.length === 1 ? '' : 's'}.\n`);
  process.exit(2);
}
