/**
 * The store ports in memory, for unit tests of the core's services: real implementations (one
 * lock each, linearizable, the adapters' error codes, idempotency and atomicity), not durable.
 * Each passes the same contract suite as the adapters ({@code parley-testkit}'s own tests run
 * them), so a service test on these fakes exercises the behaviour the adapters promise.
 */
package dev.parley.testkit.store.memory;
