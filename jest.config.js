/** Jest runs the TypeScript sources as native ES modules, transformed by SWC. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

// Some CommonJS dependencies require packages that ship only as ES modules; Node 20 loads those
// natively, Jest's module loader does not, so they are compiled to CommonJS for tests.
const ESM_ONLY_DEPS = ['content-disposition'];
const swcToCommonJs = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swc,
    [`/node_modules/(${ESM_ONLY_DEPS.join('|')})/.+\\.js$`]: swcToCommonJs,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_DEPS.join('|')})/)`],
  moduleNameMapper: {
    '^#kernel/testing$': '<rootDir>/libs/kernel/src/testing.ts',
    '^#test-support/(.*)\\.js$': '<rootDir>/test/support/$1.ts',
    '^#([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // Runs in the EventStoreDB pass only (jest.eventstoredb.config.js), which has time to spare.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/libs/eventstore/test/esdb-reactions-crash.spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 120_000,
  maxWorkers: 2,
};
