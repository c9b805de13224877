// `npm run lint`: ESLint with typescript-eslint's recommended rules over the TypeScript sources,
// and Prettier's check of their format (.prettierrc.json). Import cycles between libraries are
// checked by test/architecture.spec.ts, which reads imports as TypeScript does.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'apps/console/dist/**', 'test/artifacts/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Reports a decorated class's schema constants and try/catch fallbacks as unused; tsc's own
      // checks cover real dead stores.
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests, benchmarks, the simulation and the OpenAPI builder walk untyped JSON bodies and
    // documents; `any` stays out of the libraries' sources, where every type is the domain's.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'libs/*/test/**/*.ts', 'apps/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
