/** Micrometer meters of a broker and the HTTP endpoint that serves them to Prometheus. */
package io.baton.broker.metrics;
