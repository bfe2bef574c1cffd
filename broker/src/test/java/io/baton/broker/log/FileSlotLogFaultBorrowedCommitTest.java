package io.baton.broker.log;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;

/**
 * The storage faults of {@link FileSlotLogFaultTest} with half the writers committing on an event
 * loop of their own ({@link CommitBorrowing}) and half through the flusher's thread: a failed
 * commit fails the same appends, and acknowledges nothing after it, whichever thread ran it.
 */
class FileSlotLogFaultBorrowedCommitTest extends FileSlotLogFaultTest {
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop"));

    @Override
    protected Executor eventLoop() {
        return loop;
    }

    @AfterEach
    void stopLoop() {
        loop.shutdownNow();
    }
}
