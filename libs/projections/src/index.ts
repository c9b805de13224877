export * from './projection.js';
export * from './projection-runner.js';
export * from './row-projection.js';
export * from './sql.js';
export * from './schema.js';
export * from './reactor.js';
export * from './partitioned.js';
export * from './reaction-binding.js';
