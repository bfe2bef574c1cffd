/**
 * The Baton client SDK. {@link io.baton.sdk.BatonClient} is the whole unary API as plain Java
 * methods with typed results; every failure is a {@link io.baton.sdk.BatonException} whose
 * subclass says what to do next. Calls are routed to the broker that owns the queue's slot
 * (from the cluster map) and retried on NOT_OWNER and UNAVAILABLE within the call's deadline.
 * Everything under {@code internal} may change without notice.
 */
package io.baton.sdk;
