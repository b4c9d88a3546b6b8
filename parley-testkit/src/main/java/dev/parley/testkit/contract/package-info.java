/**
 * The conformance suite of Parley: the contract of DESIGN.md section 1, written once and run
 * against every deployment mode.
 *
 * <p>Each {@code *Contract} is an abstract JUnit 5 class covering one feature. A mode runs the
 * suite by subclassing each contract and returning its {@link dev.parley.testkit.contract.Deployment}
 * (one or more chat servers of one cluster). Nothing here knows how the deployment runs: tests
 * speak only the public protocol (the Java SDK, raw WebSockets, REST), spread their users over the
 * deployment's servers round-robin so that several servers talk to each other, and read limits from
 * {@link dev.parley.testkit.contract.Deployment#limits()}. The push contract also reads what the
 * deployment's local push providers received ({@link dev.parley.testkit.contract.Deployment#pushProviders()}).
 *
 * <p>Helpers: {@link dev.parley.testkit.contract.TestUsers} registers unique users and connects
 * their devices; {@link dev.parley.testkit.contract.RecordingListener} records what the application
 * sees; {@link dev.parley.testkit.contract.RawSocket} and
 * {@link dev.parley.testkit.contract.Rfc6455Probe} send exact bytes.
 */
package dev.parley.testkit.contract;
