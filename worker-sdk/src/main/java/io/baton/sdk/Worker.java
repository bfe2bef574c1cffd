package io.baton.sdk;

import io.baton.api.Limits;
import io.baton.api.QueueNames;
import io.baton.api.grpc.WorkStreamHeaders;
import io.baton.api.v1.Ack;
import io.baton.api.v1.Drain;
import io.baton.api.v1.Extend;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.Release;
import io.baton.api.v1.Subscribe;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.baton.sdk.internal.Settlements;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming worker: holds a gRPC stream to the broker that owns its queue, receives jobs pushed
 * as they become free (at most {@code maxOutstanding} held at once), runs the handler on
 * {@code concurrency} threads, extends each job's lease while its handler runs, acknowledges by
 * deletion, and reconnects with backoff (re-resolving the owner) when the stream breaks.
 *
 * <pre>{@code
 * Worker worker = Worker.builder(client).queue("jobs").handler(job -> process(job.bodyJson()))
 *         .concurrency(8).maxOutstanding(16).claimTtl(Duration.ofSeconds(60)).build();
 * worker.start();
 * ...
 * worker.shutdown();                                   // stop taking jobs, finish the running ones
 * worker.awaitTermination(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Lifecycle as a thread pool's: {@link #start}, {@link #shutdown} (graceful: jobs not started
 * are given back at once, running handlers finish and are acknowledged), {@link #shutdownNow}
 * (the stream is cut: leases still held lapse after their TTL), {@link #awaitTermination}.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private enum State { NEW, RUNNING, DRAINING, TERMINATED }

    private final BatonClient client;
    private final String queue;
    private final JobHandler handler;
    private final int concurrency;
    private final int maxOutstanding;
    private final Duration claimTtl;
    private final Duration grace;
    private final boolean extendLeases;
    /** Null: the queue's retry backoff decides. */
    private final Duration releaseBackoff;
    /** How long releases with no ack to travel with wait for one ({@link #lingerReleases}). */
    private final long releaseLingerMillis;
    private final String name;

    private final ThreadPoolExecutor handlers;
    private final ScheduledExecutorService timers;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicInteger held = new AtomicInteger();

    // Guarded by "this".
    private State state = State.NEW;
    private ClientCallStreamObserver<WorkRequest> stream;
    /** The connection {@link #stream} belongs to (null when there is none). */
    private Connection live;
    private final ArrayDeque<WorkRequest> unsent = new ArrayDeque<>();
    private long backoffMillis = 100;
    /** Set after the first connection attempt: later ones refresh the cluster map first. Timer thread only. */
    private boolean reconnecting;
    /** Ack batches, releases and settles sent on the current stream whose outcome has not come back yet. */
    private int awaitingOutcomes;
    /**
     * Acks and releases of finished jobs not yet sent. They go out together per turn of the timer
     * thread ({@link Settlements}): those of every handler that finished meanwhile share a request
     * (and one durable write on the broker).
     */
    private final List<Ack> pendingAcks = new ArrayList<>();
    private final List<Release> pendingReleases = new ArrayList<>();
    private boolean flushScheduled;
    /** Jobs whose handlers are running now, for the lease-extension sweep. */
    private final Set<Running> running = ConcurrentHashMap.newKeySet();

    private Worker(Builder b) {
        this.client = b.client;
        this.queue = b.queue;
        this.handler = b.handler;
        this.concurrency = b.concurrency;
        this.maxOutstanding = b.maxOutstanding;
        this.claimTtl = b.claimTtl;
        this.grace = b.grace;
        this.extendLeases = b.extendLeases;
        this.releaseBackoff = b.releaseBackoff;
        this.releaseLingerMillis = b.releaseLinger.toMillis();
        this.name = b.name;
        BlockingQueue<Runnable> waiting = new LinkedBlockingQueue<>();
        AtomicInteger n = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.SECONDS, waiting, io.baton.api.DaemonThreads.named("baton-worker-" + queue + "-" + n.incrementAndGet()));
        this.timers = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("baton-worker-" + queue + "-timers"));
    }

    public static Builder builder(BatonClient client) {
        return new Builder(client);
    }

    /** Immutable options, validated by {@link #build()}. */
    public static final class Builder {
        private final BatonClient client;
        private String queue;
        private JobHandler handler;
        private int concurrency = 1;
        private int maxOutstanding = -1;
        private Duration claimTtl = Duration.ofSeconds(60);
        private Duration grace = Duration.ofSeconds(60);
        private boolean extendLeases = true;
        private Duration releaseBackoff;
        private Duration releaseLinger = Duration.ofMillis(DEFAULT_RELEASE_LINGER_MILLIS);
        private String name = defaultName();

        private Builder(BatonClient client) {
            this.client = Objects.requireNonNull(client);
        }

        public Builder queue(String queue) {
            this.queue = queue;
            return this;
        }

        public Builder handler(JobHandler handler) {
            this.handler = handler;
            return this;
        }

        /** Handler threads (default 1). */
        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** Most jobs held at once, running or waiting for a thread (default: twice the concurrency). */
        public Builder maxOutstanding(int maxOutstanding) {
            this.maxOutstanding = maxOutstanding;
            return this;
        }

        /** The lease on each job (default 60 s; extended while its handler runs). */
        public Builder claimTtl(Duration ttl) {
            this.claimTtl = ttl;
            return this;
        }

        /** How long a leased message outlives its lease (default 60 s). */
        public Builder grace(Duration grace) {
            this.grace = grace;
            return this;
        }

        /** Extend a job's lease at a third of the TTL while its handler runs (default true). */
        public Builder extendLeases(boolean extend) {
            this.extendLeases = extend;
            return this;
        }

        /**
         * How long a job given back after a handler failure waits before it is free again, holding
         * no lease: a fixed override. By default (or with null) the broker decides from the queue's
         * retry backoff ({@code _retry_backoff_initial_ms}, {@code _retry_backoff_max_ms}: exponential
         * with full jitter by attempt), and without one the job is free again at once.
         */
        public Builder releaseBackoff(Duration backoff) {
            this.releaseBackoff = backoff;
            return this;
        }

        /** How long releases wait for acks to travel with (see {@link Worker#lingerReleases}); for tests. */
        Builder releaseLinger(Duration linger) {
            this.releaseLinger = linger;
            return this;
        }

        /**
         * What this worker calls itself to the broker, shown to operators next to its stream (the
         * console's Workers page); 1-200 characters. Default: host name and process id.
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        private static String defaultName() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "unknown-host";
            }
            return host + "/" + ProcessHandle.current().pid();
        }

        public Worker build() {
            if (!QueueNames.isValid(queue)) {
                throw new IllegalArgumentException(QueueNames.NAME_RULE);
            }
            Objects.requireNonNull(handler, "handler");
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1");
            }
            if (maxOutstanding == -1) {
                maxOutstanding = concurrency * 2;
            }
            if (maxOutstanding < 1 || maxOutstanding > 10_000) {
                throw new IllegalArgumentException("maxOutstanding must be 1-10000");
            }
            if (claimTtl == null || claimTtl.toSeconds() < 1 || grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("claimTtl must be at least 1 s and grace not negative");
            }
            if (name == null || name.isEmpty() || name.length() > 200) {
                throw new IllegalArgumentException("name must be 1-200 characters");
            }
            if (releaseBackoff != null && releaseBackoff.isNegative()) {
                throw new IllegalArgumentException("releaseBackoff must not be negative");
            }
            if (releaseLinger == null || releaseLinger.isNegative()) {
                throw new IllegalArgumentException("releaseLinger must not be negative");
            }
            return new Worker(this);
        }
    }

    public synchronized Worker start() {
        if (state != State.NEW) {
            throw new IllegalStateException("already started");
        }
        state = State.RUNNING;
        timers.execute(this::connect);
        if (extendLeases) {
            // One sweep for all running jobs, not a timer per job: jobs are often done in microseconds.
            long every = Math.max(200, claimTtl.toMillis() / 3);
            timers.scheduleWithFixedDelay(this::extendRunning, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Renews the lease of every job whose handler is running. A handler that started just before a
     * sweep is renewed early, which is harmless; one that ends stops being renewed at the next sweep.
     */
    private void extendRunning() {
        for (Running r : running) {
            send(WorkRequest.newBuilder().setExtend(Extend.newBuilder().setClaimIdBytes(r.claimId)
                    .setTtlSeconds(claimTtl.toSeconds()).setGraceSeconds(grace.toSeconds())).build(), false);
        }
    }

    /** Jobs held now: running, or received and waiting for a handler thread. */
    public int outstanding() {
        return held.get();
    }

    // ------------------------------------------------------------------ the stream

    /** Opens a stream to the queue's owner. Runs on the timer thread (resolving may block). */
    private void connect() {
        synchronized (this) {
            if (state == State.TERMINATED || (state == State.DRAINING && held.get() == 0 && unsent.isEmpty())) {
                return;
            }
        }
        io.grpc.Channel channel;
        try {
            long deadline = System.nanoTime() + client.callTimeout().toNanos();
            if (reconnecting) {
                // The stream broke: its broker may be dead or no longer the owner. Ask the cluster
                // for the current map rather than trusting the cached one.
                try {
                    client.router().refresh(deadline);
                } catch (RuntimeException e) {
                    log.debug("worker {}: cluster map refresh failed: {}", queue, e.getMessage());
                }
            }
            reconnecting = true;
            channel = client.router().channelFor(client.project(), queue, deadline);
        } catch (RuntimeException e) {
            log.debug("worker {}: cannot resolve the owner yet: {}", queue, e.getMessage());
            reconnectLater();
            return;
        }
        Connection attempt = new Connection();
        ClientResponseObserver<WorkRequest, WorkEvent> events = new ClientResponseObserver<>() {

            @Override
            public void beforeStart(ClientCallStreamObserver<WorkRequest> requests) {
                attempt.requests = requests;
            }

            @Override
            public void onNext(WorkEvent e) {
                if (e.hasJobs()) {
                    for (io.baton.api.v1.Job j : e.getJobs().getJobsList()) {
                        received(j);
                    }
                } else if (e.hasOutcome()) {
                    if (!e.getOutcome().getOk()) {
                        log.debug("worker {}: {} {} failed: {}", queue, e.getOutcome().getKind(),
                                e.getOutcome().getClaimId(), e.getOutcome().getError().getMessage());
                    }
                    if (e.getOutcome().getKind() != io.baton.api.v1.Outcome.Kind.EXTEND) {
                        answered();
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                log.debug("worker {}: stream broke: {}", queue, t.toString());
                lost(attempt);
            }

            @Override
            public void onCompleted() {
                lost(attempt);
            }
        };
        ClientCallStreamObserver<WorkRequest> s = (ClientCallStreamObserver<WorkRequest>) WorkServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(attempt.headers, new AtomicReference<>()))
                .work(events);
        synchronized (this) {
            if (attempt.over) {
                return; // it failed at once (the broker is gone); lost() already scheduled the next try
            }
            if (state == State.TERMINATED) {
                s.cancel("worker stopped", null);
                return;
            }
            stream = s;
            live = attempt;
            int credits = Math.max(1, maxOutstanding - held.get());
            s.onNext(WorkRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                    .setQueue(QueueRef.newBuilder().setProject(client.project()).setName(queue))
                    .setCredits(credits).setTtlSeconds(claimTtl.toSeconds()).setGraceSeconds(grace.toSeconds())
                    .setWorker(name).setCompactJobs(true)).build());
            if (state == State.DRAINING) {
                s.onNext(WorkRequest.newBuilder().setDrain(Drain.getDefaultInstance()).build());
            }
            // Acks and releases of jobs held across a broken stream: their claims are still valid.
            while (!unsent.isEmpty()) {
                awaitingOutcomes++;
                s.onNext(unsent.poll());
            }
            backoffMillis = 100;
        }
    }

    private synchronized void answered() {
        awaitingOutcomes--;
        maybeFinishDrain();
    }

    /** One connection attempt; a stream can fail before connect() has even stored it. */
    private static final class Connection {
        volatile ClientCallStreamObserver<WorkRequest> requests;
        /** The broker's response headers, once they arrive (before its first event). */
        final AtomicReference<io.grpc.Metadata> headers = new AtomicReference<>();
        boolean over; // guarded by the Worker's monitor
        /** What the headers say about Settle, read once they are there. Guarded by the Worker's monitor. */
        private Boolean acceptsSettle;

        boolean acceptsSettle() {
            if (acceptsSettle == null) {
                io.grpc.Metadata h = headers.get();
                if (h == null) {
                    return false; // not yet: ask again at the next flush
                }
                acceptsSettle = WorkStreamHeaders.acceptsSettle(h);
            }
            return acceptsSettle;
        }
    }

    private synchronized void lost(Connection attempt) {
        if (attempt.over) {
            return;
        }
        attempt.over = true;
        if (stream != null && stream != attempt.requests) {
            return; // an older attempt's late news: a newer stream is live
        }
        stream = null;
        live = null;
        awaitingOutcomes = 0;
        if (state == State.RUNNING || (state == State.DRAINING && (held.get() > 0 || !unsent.isEmpty()))) {
            reconnectLater();
        } else if (state == State.DRAINING) {
            maybeFinishDrain();
        }
    }

    private synchronized void reconnectLater() {
        if (state == State.TERMINATED) {
            return;
        }
        long delay = backoffMillis;
        backoffMillis = Math.min(5000, backoffMillis * 2);
        try {
            timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    /** Sends on the live stream; acks and releases wait for the next stream if there is none. */
    private synchronized void send(WorkRequest r, boolean keepIfDisconnected) {
        if (stream != null) {
            if (r.hasAcks() || r.hasRelease() || r.hasReleases() || r.hasSettle()) {
                awaitingOutcomes++;
            }
            stream.onNext(r);
        } else if (keepIfDisconnected && state != State.TERMINATED) {
            unsent.add(r);
        }
    }

    // ------------------------------------------------------------------ jobs

    /**
     * A received job until its handler has run. Its ids are also kept as the bytes they arrived
     * in: the ack or release sends them back as they are, without encoding the strings again.
     */
    private final class Running implements Runnable {
        final Job job;
        final com.google.protobuf.ByteString messageId;
        final com.google.protobuf.ByteString claimId;

        Running(Job job, com.google.protobuf.ByteString messageId, com.google.protobuf.ByteString claimId) {
            this.job = job;
            this.messageId = messageId;
            this.claimId = claimId;
        }

        @Override
        public void run() {
            if (extendLeases) {
                running.add(this);
            }
            Throwable failure = null;
            try {
                handler.handle(job);
            } catch (Exception | Error e) {
                if (log.isDebugEnabled()) {
                    log.debug("worker {}: handler failed on {}: {}", queue, job.id(), e.toString());
                }
                failure = e;
            } finally {
                if (extendLeases) {
                    running.remove(this);
                }
            }
            finished(this, failure == null, releaseBackoff == null ? QUEUE_BACKOFF : releaseBackoff.toMillis(), failure);
        }
    }

    private void received(io.baton.api.v1.Job j) {
        held.incrementAndGet();
        var m = j.getMessage();
        List<Attempt> previous = Attempt.endedOf(m.getLedgerList());
        Job job = new Job(queue, m.getId(), m.getBodyJson().toStringUtf8(), j.getClaimId(),
                Instant.ofEpochMilli(m.getCreatedAtMs()), Math.max(1, m.getAttempts()), previous);
        Running run = new Running(job, m.getIdBytes(), j.getClaimIdBytes());
        synchronized (this) {
            if (state != State.RUNNING) {
                finished(run, false, 0, null);
                return;
            }
        }
        handlers.execute(run);
    }

    /** Queues the ack of a finished job. */
    private synchronized void ack(Running run) {
        pendingAcks.add(Ack.newBuilder().setMessageIdBytes(run.messageId).setClaimIdBytes(run.claimId).build());
        flushSoon();
    }

    /**
     * Has the pending acks and releases sent. When no other job waits for a handler thread, nothing
     * else is about to finish soon, so they go out at once from this thread (no hand-off to pay for
     * at low rates); otherwise they are left for the timer thread, and those of the jobs that
     * finish meanwhile join the same requests.
     */
    private void flushSoon() {
        if (flushScheduled) {
            return;
        }
        if (handlers.getQueue().isEmpty()) {
            flush();
            return;
        }
        flushScheduled = true;
        try {
            timers.execute(this::flush);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            flush(); // the timer thread is gone (shutdownNow): send them now if the stream still is open
        }
    }

    /**
     * Sends the pending acks and releases, at most {@link Limits#WORK_BATCH_MAX} of each per
     * request: both kinds in one {@code Settle} when there are both and the broker accepts it (one
     * request and one outcome instead of two), else an ack batch and a release batch.
     */
    private synchronized void flush() {
        flushScheduled = false;
        // Settle only on a live stream: what waits for the next one goes in forms every broker accepts.
        boolean settle = stream != null && live != null && live.acceptsSettle();
        if (settle && pendingAcks.isEmpty() && !pendingReleases.isEmpty() && state == State.RUNNING && !releasesDue) {
            lingerReleases();
            return;
        }
        releasesDue = false;
        for (WorkRequest r : Settlements.requests(pendingAcks, pendingReleases, settle)) {
            send(r, true);
        }
        pendingAcks.clear();
        pendingReleases.clear();
        maybeFinishDrain();
    }

    /**
     * Releases with no ack to travel with wait this long for one (see {@link #lingerReleases}).
     * Nothing is owed to a failed job within milliseconds: its lease is held meanwhile.
     */
    static final long DEFAULT_RELEASE_LINGER_MILLIS = 10;
    /** A timer will send the releases that wait for acks (guarded by "this"). */
    private boolean releaseLingerScheduled;
    /** The releases waited their linger: the next flush sends them with or without acks (guarded by "this"). */
    private boolean releasesDue;

    /**
     * Lets releases that found no ack to go with wait up to {@link #releaseLingerMillis} for the
     * next flush of acks, which carries them in its {@code Settle}. Why: alone, a release costs the
     * broker a request, a slot command, an outcome, and the claim that refills its one credit,
     * each for one job; in a settle it is one more record among the acks' and its credit comes
     * back with theirs. Under load acks go out every millisecond or so, so a failed job's release
     * almost never waits the whole linger; a lone worker's releases go out after it.
     */
    private void lingerReleases() {
        if (releaseLingerScheduled) {
            return;
        }
        releaseLingerScheduled = true;
        try {
            timers.schedule(this::releasesWaited, releaseLingerMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            releaseLingerScheduled = false;
            releasesDue = true;
            flush(); // the timer thread is gone: send them now if the stream still is open
        }
    }

    private synchronized void releasesWaited() {
        releaseLingerScheduled = false;
        if (!pendingReleases.isEmpty()) {
            releasesDue = true;
            flush();
        }
    }

    /** A release's delay left to the queue's retry backoff. */
    private static final long QUEUE_BACKOFF = -1;

    /**
     * Releases the job after {@code delayMillis} ({@link #QUEUE_BACKOFF}: the queue's policy);
     * {@code failure}, when the handler threw, goes into the job's attempt ledger.
     */
    private synchronized void giveBack(Running run, long delayMillis, Throwable failure) {
        Release.Builder r = Release.newBuilder().setClaimIdBytes(run.claimId);
        if (delayMillis != QUEUE_BACKOFF) {
            r.setDelayMs(delayMillis);
        }
        if (failure != null) {
            r.setErrorClass(failure.getClass().getName());
            String message = failure.getMessage();
            if (message != null) {
                // The broker keeps 500 characters; sending more would only cost bandwidth.
                r.setErrorMessage(message.length() > 500 ? message.substring(0, 500) : message);
            }
            r.setDeadLetter(failure instanceof NonRetryableException);
        }
        pendingReleases.add(r.build());
        flushSoon();
    }

    /**
     * A job is no longer held: acknowledged, or released after {@code releaseDelayMillis}. Counted
     * out before its ack or release can leave: either gives the broker credit for the next job, whose
     * arrival must find the count already down, so it never exceeds {@code maxOutstanding}.
     */
    private synchronized void finished(Running run, boolean acked, long releaseDelayMillis, Throwable failure) {
        held.decrementAndGet();
        if (acked) {
            ack(run);
        } else {
            giveBack(run, releaseDelayMillis, failure);
        }
        maybeFinishDrain();
    }

    /** Draining ends once no job is held and every ack and release has been answered (is durable). */
    private void maybeFinishDrain() {
        if (state == State.DRAINING && held.get() == 0 && (awaitingOutcomes <= 0 || stream == null) && unsent.isEmpty()
                && pendingAcks.isEmpty() && pendingReleases.isEmpty()) {
            if (stream != null) {
                stream.onCompleted();
                stream = null;
                live = null;
            }
            finish();
        }
    }

    private void finish() {
        if (state == State.TERMINATED) {
            return;
        }
        state = State.TERMINATED;
        handlers.shutdown();
        timers.shutdown();
        terminated.countDown();
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Graceful stop: asks the broker for no more jobs, gives back at once the jobs not yet started,
     * lets running handlers finish (and acknowledges them), then closes the stream.
     */
    public void shutdown() {
        List<Runnable> notStarted = new ArrayList<>();
        synchronized (this) {
            if (state == State.NEW) {
                finish();
                return;
            }
            if (state != State.RUNNING) {
                return;
            }
            state = State.DRAINING;
            send(WorkRequest.newBuilder().setDrain(Drain.getDefaultInstance()).build(), false);
            handlers.getQueue().drainTo(notStarted);
        }
        for (Runnable r : notStarted) {
            finished((Running) r, false, 0, null);
        }
        synchronized (this) {
            maybeFinishDrain();
        }
    }

    /** Abrupt stop: cuts the stream and interrupts handlers; leases still held lapse after their TTL. */
    public void shutdownNow() {
        synchronized (this) {
            if (stream != null) {
                stream.cancel("worker shut down", null);
                stream = null;
                live = null;
            }
            unsent.clear();
            finish();
        }
        handlers.shutdownNow();
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }
}
