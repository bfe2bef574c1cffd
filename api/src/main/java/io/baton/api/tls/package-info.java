/**
 * TLS for every Baton connection: PEM certificate, key and trust files that an operator (or
 * cert-manager) replaces in place, re-read without a restart, and the gRPC credentials built from
 * them. Brokers, the gateway and the worker SDK share this code.
 */
package io.baton.api.tls;
