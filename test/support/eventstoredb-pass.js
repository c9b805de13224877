// Loaded before each test file of the EventStoreDB pass (jest.eventstoredb.config.js): the test
// support's apps then keep their events in EventStoreDB (see TEST_STORE in app.ts).
process.env.ARREARS_TEST_STORE = 'eventstoredb';
