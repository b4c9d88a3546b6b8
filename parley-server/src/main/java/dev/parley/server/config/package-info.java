/**
 * Server configuration: one YAML file plus {@code PARLEY_*} environment overrides, defined once
 * per key (type, range, default, doc) and validated at start-up, reporting every problem at once.
 * {@code parley-default.yaml} on the classpath lists every key with its default.
 */
package dev.parley.server.config;
