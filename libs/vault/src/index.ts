export * from './domain/masking.js';
export * from './application/vault.js';
export * from './vault.module.js';
