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
            Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (t instanceof NotFoundException) {
                return whenMissing;
            }
            throw e instanceof CompletionException ce ? ce : new CompletionException(t);
        });
    }
}
