export * from './money.js';
export * from './ids.js';
export * from './business-date.js';
export * from './errors.js';
export * from './position.js';
export * from './envelope.js';
export * from './upcasting.js';
export * from './decider.js';
