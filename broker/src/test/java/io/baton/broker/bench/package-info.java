/**
 * Benchmarks, run by hand (never by {@code mvn verify}); their figures go to docs/BENCHMARKS.md
 * with the command that produced them.
 */
package io.baton.broker.bench;
