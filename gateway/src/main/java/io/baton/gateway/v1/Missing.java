package io.baton.gateway.v1;

import io.baton.sdk.NotFoundException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * v1 answers many "not there" cases with success (spec 6.2, 6.14): a list, bulk read or claim on
 * a missing queue is 204, and deletes of missing things are 204. The broker says NOT_FOUND; these
 * routes turn that into their own answer.
 */
final class Missing {
    private Missing() {}

    static <T> CompletableFuture<T> answer(CompletableFuture<T> call, T whenMissing) {
        return call.exceptionally(e -> {
            if (cause(e) instanceof NotFoundException) {
                return whenMissing;
            }
            throw rethrown(e);
        });
    }

    /** What a stage failed with, unwrapped from the CompletionException a chain adds. */
    static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** {@code e} as an exception to rethrow from a stage without wrapping it twice. */
    static CompletionException rethrown(Throwable e) {
        return e instanceof CompletionException ce ? ce : new CompletionException(e);
    }
}
