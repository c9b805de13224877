export * from './application/audit-index.js';
export * from './application/history.js';
export * from './application/tamper-evidence.js';
export * from './audit.module.js';
