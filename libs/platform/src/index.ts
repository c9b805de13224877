export * from './database/embedded-postgres.js';
export * from './database/database.js';
