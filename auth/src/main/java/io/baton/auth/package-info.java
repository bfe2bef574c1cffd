/**
 * Who may act in which project: bearer tokens, each granting projects, read from a tokens file
 * that brokers (gRPC) and gateways (REST) both load, and the fixed service identity a process
 * uses to call brokers on its callers' behalf.
 */
package io.baton.auth;
