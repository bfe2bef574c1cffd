package io.baton.broker;

import io.baton.api.ErrorCode;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import io.baton.broker.cluster.AssignmentStore;
import io.baton.broker.cluster.BrokerRegistry;
import io.baton.broker.cluster.ClusterPaths;
import io.baton.broker.cluster.OwnershipReconciler;
import io.baton.broker.cluster.SelfAssigner;
import io.baton.broker.cluster.SlotAssignment;
import io.baton.broker.log.FileSlotLogFactory;
import io.baton.broker.metrics.BrokerMetrics;
import io.baton.broker.metrics.GrpcMetricsInterceptor;
import io.baton.broker.metrics.MetricsServer;
import io.baton.broker.rpc.ClaimRpc;
import io.baton.broker.rpc.ClusterRpc;
import io.baton.broker.rpc.LaneBorrowingInterceptor;
import io.baton.broker.rpc.MessageRpc;
import io.baton.broker.rpc.QueueRpc;
import io.baton.broker.rpc.WorkRpc;
import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.runtime.Admission;
import io.baton.broker.runtime.BodyCache;
import io.baton.broker.runtime.SlotResources;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotHost;
import io.baton.broker.runtime.SlotThreads;
import io.baton.broker.runtime.SlotUnavailableException;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessServerBuilder;
import io.baton.api.grpc.InProcessBrokers;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker node. Start order: ZooKeeper client, slot count, gRPC server (its port goes into the
 * registration), registration, assignment (standalone: take every slot), then serve what the
 * assignment gives. {@link #close()} undoes it in reverse, flushing every slot log.
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final CuratorFramework zk;
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final ClusterPaths paths;
    private AssignmentStore assignments;
    private BrokerRegistry registry;
    private SlotThreads threads;
    private io.baton.broker.log.SlotLogFactory logs;
    private io.baton.broker.cluster.SlotController controller;
    private Admission admission;
    private SlotResources resources;
    private io.baton.broker.cluster.ZkSeqReservations idReservations;
    private ProjectQuotas quotas;
    private io.baton.broker.cluster.ZkProjectUsage projectUsage;
    /** How often a broker shares its projects' usage with the others (what a quota may lag by across brokers). */
    static final java.time.Duration PROJECT_USAGE_INTERVAL = java.time.Duration.ofSeconds(1);
    private SlotHost host;
    private io.baton.broker.cluster.BrokerHealth health;
    private OwnershipReconciler reconciler;
    private Server grpc;
    private Server inProcess;
    private MetricsServer metricsServer;
    private ScheduledExecutorService ticker;
    private ScheduledExecutorService moverTimer;
    private io.baton.broker.runtime.MessageMover mover;
    private io.baton.broker.rpc.MoveClient moveClient;
    private io.baton.broker.rpc.Protos protos;
    private int slotCount;

    /** Calls (Work streams included) one client connection may have open at once. */
    static final int GRPC_CALLS_PER_CONNECTION = 1_000;

    private Broker(BrokerConfig config) {
        this.config = config;
        this.paths = new ClusterPaths(config.cluster());
        CuratorFrameworkFactory.Builder zkBuilder = CuratorFrameworkFactory.builder()
                .connectString(config.zkConnect())
                .sessionTimeoutMs((int) config.zkSessionTimeout().toMillis())
                // At most the session timeout (Curator warns otherwise: a connection attempt
                // outliving the session it would keep is pointless).
                .connectionTimeoutMs((int) Math.min(15_000, config.zkSessionTimeout().toMillis()))
                .retryPolicy(new ExponentialBackoffRetry(100, 10, 2_000));
        if (config.zooKeeperCredentials() != null) {
            zkBuilder.authorization("digest", config.zooKeeperCredentials().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .aclProvider(io.baton.broker.cluster.ZooKeeperAcls.ownedUnder(paths.root()));
        }
        this.zk = zkBuilder.build();
    }

    public static Broker start(BrokerConfig config) throws Exception {
        Broker b = new Broker(config);
        try {
            b.startUp();
            return b;
        } catch (Exception | Error e) {
            b.close();
            throw e;
        }
    }

    private void startUp() throws Exception {
        zk.start();
        if (!zk.blockUntilConnected(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not connect to ZooKeeper at " + config.zkConnect());
        }
        if (config.zooKeeperCredentials() != null) {
            io.baton.broker.cluster.ZooKeeperAcls.closeExisting(zk, paths.root());
        }
        assignments = new AssignmentStore(zk, paths);
        slotCount = assignments.ensureSlotCount(config.slotCount());
        protos = new io.baton.broker.rpc.Protos(new io.baton.broker.rpc.IdCodec(io.baton.broker.cluster.IdKey.ensure(zk, paths)));
        moveClient = new io.baton.broker.rpc.MoveClient(config.serviceToken(), config.tls(), protos);
        registry = new BrokerRegistry(zk, paths);
        threads = new SlotThreads(config.slotThreads());
        logs = config.replicatedStorage()
                ? new io.baton.broker.log.BookKeeperSlotLogFactory(config.bookkeeperMetadataUri(), zk, paths::slotLog,
                        io.baton.broker.log.BookKeeperSlotLog.Replication.DEFAULT, metrics.ledgerEvents(), config.ledgerPasswords())
                : new FileSlotLogFactory(config.dataDir(), metrics.flushListener(), config.segmentBytes(),
                        io.baton.broker.log.Journal.DEFAULT_SEGMENT_BYTES, config.disk(), config.diskSpace());
        long budget = config.memoryBudget() > 0 ? config.memoryBudget()
                : Admission.defaultMemoryBudget(Runtime.getRuntime().maxMemory(), slotCount);
        // The body cache is part of the budget: a quarter of it, at most 256 MiB.
        BodyCache cache = new BodyCache(Math.min(256L << 20, budget / 4), config.slotThreads());
        admission = new Admission(Math.max(1, budget - cache.capacityBytes()), logs::writeRefusal);
        idReservations = new io.baton.broker.cluster.ZkSeqReservations(zk, paths::slotIds);
        quotas = new ProjectQuotas(config.projectQuotas());
        projectUsage = new io.baton.broker.cluster.ZkProjectUsage(zk, paths, config.brokerId(), quotas);
        projectUsage.start(PROJECT_USAGE_INTERVAL);
        resources = new SlotResources(admission, quotas, cache, SlotResources.bodyReaderPool(4), idReservations);
        LocalSlots slots = new LocalSlots(slotCount, this::notServedHere);
        host = new SlotHost(slots, logs, threads, config.clock(), config.limits(), config.checkpoints(), metrics::recordDurable,
                resources);
        metrics.bindAdmission(admission, logs instanceof FileSlotLogFactory f ? f.space() : null);
        metrics.bindQuotas(quotas);
        log.info("broker {}: memory budget {} MiB ({} MiB of it for recent message bodies)", config.brokerId(), budget >> 20,
                cache.capacityBytes() >> 20);
        host.events(metrics.slotEvents());
        metrics.bind(slots);
        metrics.bindFailures(host);
        moverTimer = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("message-mover"));
        mover = new io.baton.broker.runtime.MessageMover(slots, (target, c) -> moveTo(slots, target, c), moverTimer);
        host.onMovesPending(mover::wake);
        host.onRetryDelay(metrics::recordRetryDelay);

        health = new io.baton.broker.cluster.BrokerHealth(config.brokerId(), zk.getZookeeperClient()::isConnected,
                assignments::latest, host);
        WorkRpc work = new WorkRpc(slots, protos, metrics.registry(), config.maxWorkStreams());
        ClusterRpc cluster = new ClusterRpc(this::clusterMap, project -> ClusterRpc.status(health, logs, work, project)
                .setBrokerId(config.brokerId()).setGrpcAddress(grpcAddress())
                .setMessagesPosted(metrics.total(slots, c -> c.messagesPosted))
                .setMessagesDeleted(metrics.total(slots, c -> c.messagesDeleted))
                .setMessagesClaimed(metrics.total(slots, c -> c.messagesClaimed))
                .build());
        List<ServerServiceDefinition> services = List.of(
                ServerInterceptors.intercept(new QueueRpc(slots, protos), new GrpcMetricsInterceptor(metrics.registry())),
                ServerInterceptors.intercept(new MessageRpc(slots, protos), new GrpcMetricsInterceptor(metrics.registry())),
                ServerInterceptors.intercept(new ClaimRpc(slots, protos), new GrpcMetricsInterceptor(metrics.registry())),
                cluster.bindService(),
                ServerInterceptors.intercept(new io.baton.broker.rpc.MoveRpc(slots, protos), new GrpcMetricsInterceptor(metrics.registry())),
                ServerInterceptors.intercept(work.service(), new GrpcMetricsInterceptor(metrics.registry())));
        if (config.authRequired()) {
            // Outermost: a call is authenticated before anything else sees it, on every transport below.
            io.baton.broker.rpc.CallAuthorizer authorizer = new io.baton.broker.rpc.CallAuthorizer(config.credentials(), metrics.registry());
            services = services.stream().map(s -> ServerInterceptors.intercept(s, authorizer)).toList();
        }
        InetSocketAddress grpcBind = new InetSocketAddress(config.host(), config.grpcPort());
        NettyServerBuilder grpcBuilder = NettyServerBuilder.forAddress(grpcBind);
        if (config.tls() != null) {
            grpcBuilder.sslContext(config.tls().grpcServerContext());
        }
        grpc = grpcBuilder
                .addServices(services)
                .maxInboundMessageSize(8 << 20)
                .maxInboundMetadataSize(16 << 10)
                // Abuse bounds: calls in flight per connection (unary calls and Work streams
                // alike), keepalive pings no more often than every 10 s (more gets the connection
                // closed), dead peers found by our own pings, idle connections closed, and the
                // HTTP/2 rapid-reset attack (streams opened and reset in a loop) cut off.
                .maxConcurrentCallsPerConnection(GRPC_CALLS_PER_CONNECTION)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(60, TimeUnit.SECONDS)
                .keepAliveTimeout(20, TimeUnit.SECONDS)
                .maxConnectionIdle(15, TimeUnit.MINUTES)
                // Connections are renewed hourly (GOAWAY: new calls on a new connection); calls in
                // flight, Work streams included, finish on the old one.
                .maxConnectionAge(1, TimeUnit.HOURS)
                .maxRstFramesPerWindow(500, 10)
                // Handlers only validate and enqueue to a slot lane, never block: run them on the
                // transport's event loop and save a thread hand-off per call.
                .directExecutor()
                .build()
                .start();
        // The same services for clients in this JVM (the standalone gateway): see InProcessBrokers.
        // In process, a call's handler runs on the caller's own thread (the gateway's event loop),
        // which may also run its slot command when the lane is idle (LaneBorrowingInterceptor).
        inProcess = InProcessServerBuilder.forName(InProcessBrokers.channelName(grpcAddress()))
                .addServices(services).intercept(new LaneBorrowingInterceptor()).directExecutor().build().start();
        // Unary calls skip even the in-process transport (DirectChannel): the same handlers, the
        // same interceptors, lane borrowing included.
        List<ServerServiceDefinition> direct = new java.util.ArrayList<>();
        for (ServerServiceDefinition s : services) {
            direct.add(ServerInterceptors.intercept(s, new LaneBorrowingInterceptor()));
        }
        InProcessBrokers.register(grpcAddress(), direct);
        registry.register(BrokerInfo.newBuilder().setId(config.brokerId()).setGrpcAddress(grpcAddress()).build());
        if (config.selfAssignAllSlots()) {
            SelfAssigner.assignAll(assignments, config.brokerId(), slotCount);
        } else if (config.runController()) {
            // Cluster mode: every broker runs a controller; the elected one assigns the slots.
            controller = new io.baton.broker.cluster.SlotController(zk, paths, config.brokerId(), assignments, registry, slotCount);
            controller.start();
            io.micrometer.core.instrument.FunctionCounter.builder("baton.controller.decisions", controller,
                    io.baton.broker.cluster.SlotController::decisions)
                    .description("Slot assignments written while this broker was the controller").register(metrics.registry());
        }
        reconciler = new OwnershipReconciler(config.brokerId(), host, assignments, slotCount);
        reconciler.start(zk);
        ticker = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("slot-ticker"));
        ticker.scheduleWithFixedDelay(() -> {
            host.slots().all().forEach(SlotDriver::tick);
            metrics.refreshQueueGauges(host.slots());
        }, 1, 1, TimeUnit.SECONDS);
        if (config.metricsPort() >= 0) {
            metricsServer = new MetricsServer(config.host(), config.metricsPort(), metrics.registry(), this::problems, config.tls());
        }
        log.info("broker {} serving gRPC on {}", config.brokerId(), grpcAddress());
    }

    /**
     * Hands moved messages to the slot serving their target queue: here if this broker serves it,
     * else its owner over gRPC. Fails (the mover retries) while the slot has no serving owner.
     */
    private java.util.concurrent.CompletableFuture<Integer> moveTo(LocalSlots slots, int slot,
                                                                   io.baton.broker.slot.SlotCommand.AcceptMoved c) {
        SlotDriver local = slots.get(slot);
        if (local != null && local.state() == io.baton.broker.runtime.SlotOwnershipState.SERVING) {
            return local.submit(c);
        }
        SlotAssignment a = assignments.latest();
        String owner = a == null ? null : a.owner(slot);
        BrokerInfo info = owner == null || owner.equals(config.brokerId()) ? null : registry.broker(owner);
        if (info == null) {
            return java.util.concurrent.CompletableFuture.failedFuture(notServedHere(slot));
        }
        return moveClient.accept(info.getGrpcAddress(), c);
    }

    /** Why a slot with no local driver is not served here: another owner (redirect) or none yet (retry). */
    private SlotUnavailableException notServedHere(int slot) {
        SlotAssignment a = assignments.latest();
        String owner = a == null ? null : a.owner(slot);
        if (owner == null || owner.equals(config.brokerId())) {
            if (host != null && host.failures().containsKey(slot)) {
                return SlotUnavailableException.retry("Slot " + slot + " cannot be served: its storage failed. It is reopened"
                        + " automatically once the cause is gone. Please try again in a few seconds.", slot);
            }
            return SlotUnavailableException.retry("Slot " + slot + " is not being served yet. Please try again in a few seconds.", slot);
        }
        BrokerInfo info = registry.broker(owner);
        return new SlotUnavailableException(ErrorCode.NOT_OWNER, "Slot " + slot + " is owned by broker " + owner + ".",
                slot, a.epoch(slot), owner, info == null ? "" : info.getGrpcAddress());
    }

    public ClusterMap clusterMap() {
        SlotAssignment a = assignments.latest();
        ClusterMap.Builder b = ClusterMap.newBuilder().setSlotCount(slotCount);
        for (Map.Entry<String, BrokerInfo> e : registry.brokers().entrySet()) {
            b.addBrokers(e.getValue());
        }
        if (a != null) {
            b.setVersion(a.version());
            for (int s = 0; s < a.slotCount(); s++) {
                b.addSlots(SlotOwner.newBuilder().setSlot(s).setBrokerId(a.owner(s) == null ? "" : a.owner(s)).setEpoch(a.epoch(s)));
            }
        }
        return b.build();
    }

    /** Healthy: connected to ZooKeeper and serving every slot assigned here. */
    public boolean healthy() {
        return problems().isEmpty();
    }

    /** What keeps this broker from being healthy, one line each (empty when healthy): see {@link BrokerHealth}. */
    public List<String> problems() {
        return health != null ? health.problems() : List.of("slots: no assignment read yet");
    }

    /** Blocks until {@link #healthy()} or the timeout passes. */
    public void awaitServing(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("broker " + config.brokerId() + " not serving after " + timeout);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public String grpcAddress() {
        return config.advertisedHost() + ":" + grpc.getPort();
    }

    public int grpcPort() {
        return grpc.getPort();
    }

    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    public LocalSlots slots() {
        return host.slots();
    }

    public String id() {
        return config.brokerId();
    }

    /** What each project holds against its quota, as this broker knows it. */
    public ProjectQuotas quotas() {
        return quotas;
    }

    public CuratorFramework zk() {
        return zk;
    }

    /**
     * Leaves the cluster cleanly: removes this broker's registration so that the controller moves
     * its slots to the others, and keeps serving each slot until the assignment has moved it (the
     * reconciler then stops serving it, makes what it appended durable and closes its ledger, and
     * clients are redirected to the new owner). Gives up after {@code timeout}; what is left is
     * closed the same way, and the new owners fence it.
     */
    private void handOver(Duration timeout) {
        if (registry == null || reconciler == null || !config.runController()) {
            return;
        }
        boolean others = registry.brokers().keySet().stream().anyMatch(id -> !id.equals(config.brokerId()));
        if (!others || !zk.getZookeeperClient().isConnected()) {
            return; // nobody to hand over to: close, and the slots wait for a broker to come back
        }
        log.info("broker {} leaving: handing its slots over", config.brokerId());
        long t0 = System.nanoTime();
        registry.deregister();
        long deadline = t0 + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            SlotAssignment a = assignments.latest();
            boolean assignedHere = false;
            for (int s = 0; a != null && s < a.slotCount(); s++) {
                assignedHere |= config.brokerId().equals(a.owner(s));
            }
            if (!assignedHere && host.slots().all().isEmpty()) {
                log.info("broker {} handed its slots over in {} ms", config.brokerId(), (System.nanoTime() - t0) / 1_000_000);
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.warn("broker {}: slots not handed over within {}; closing them anyway", config.brokerId(), timeout);
    }

    @Override
    public void close() {
        handOver(config.handOverTimeout());
        if (inProcess != null) {
            InProcessBrokers.unregister(grpcAddress());
            inProcess.shutdownNow();
        }
        if (grpc != null) {
            grpc.shutdown();
            try {
                grpc.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            grpc.shutdownNow();
        }
        if (ticker != null) {
            ticker.shutdownNow();
        }
        if (mover != null) {
            mover.close();
        }
        if (moverTimer != null) {
            moverTimer.shutdownNow();
        }
        if (moveClient != null) {
            moveClient.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (reconciler != null) {
            reconciler.close();
        }
        if (host != null) {
            host.closeAll();
        }
        if (threads != null) {
            threads.close();
        }
        if (resources != null) {
            resources.close();
        }
        if (idReservations != null) {
            idReservations.close();
        }
        if (projectUsage != null) {
            projectUsage.close();
        }
        if (logs != null) {
            logs.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        try {
            if (assignments != null) {
                assignments.close();
            }
            if (registry != null) {
                registry.close();
            }
        } catch (Exception e) {
            log.warn("closing ZooKeeper registrations", e);
        }
        zk.close();
    }
}
