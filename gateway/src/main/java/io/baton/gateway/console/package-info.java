/**
 * The operator console: static pages served from the gateway jar under {@code /console}, and the
 * few JSON endpoints they need beyond the v1 API under {@code /console/api}. The pages call the v1
 * API itself for queues and messages, with the user's token and project, so the console can do
 * nothing a v1 client with the same token could not.
 */
package io.baton.gateway.console;
