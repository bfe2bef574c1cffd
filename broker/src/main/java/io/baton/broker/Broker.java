package io.baton.broker;

import io.baton.api.DaemonThreads;
import io.baton.api.grpc.InProcessBrokers;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.ClusterMap;
import io.baton.broker.cluster.AssignmentStore;
import io.baton.broker.cluster.BrokerHealth;
import io.baton.broker.cluster.BrokerRegistry;
import io.baton.broker.cluster.ClusterPaths;
import io.baton.broker.cluster.ClusterView;
import io.baton.broker.cluster.HandOver;
import io.baton.broker.cluster.IdKey;
import io.baton.broker.cluster.OwnershipReconciler;
import io.baton.broker.cluster.CrashWatch;
import io.baton.broker.cluster.SelfAssigner;
import io.baton.broker.cluster.SlotController;
import io.baton.broker.cluster.ZkProjectUsage;
import io.baton.broker.cluster.ZkSeqReservations;
import io.baton.broker.cluster.ZooKeeperAcls;
import io.baton.broker.log.BookKeeperSlotLog;
import io.baton.broker.log.BookKeeperSlotLogFactory;
import io.baton.broker.log.FileSlotLogFactory;
import io.baton.broker.log.Journal;
import io.baton.broker.log.SlotLogFactory;
import io.baton.broker.metrics.BrokerMetrics;
import io.baton.broker.metrics.GrpcMetricsInterceptor;
import io.baton.broker.metrics.MetricsServer;
import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.rpc.CallAuthorizer;
import io.baton.broker.rpc.ClaimRpc;
import io.baton.broker.rpc.ClusterRpc;
import io.baton.broker.rpc.IdCodec;
import io.baton.broker.rpc.LaneBorrowingInterceptor;
import io.baton.broker.rpc.MessageRpc;
import io.baton.broker.rpc.MoveClient;
import io.baton.broker.rpc.MoveRpc;
import io.baton.broker.rpc.Protos;
import io.baton.broker.rpc.QueueRpc;
import io.baton.broker.rpc.WorkRpc;
import io.baton.broker.runtime.Admission;
import io.baton.broker.runtime.BodyCache;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.MessageMover;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotHost;
import io.baton.broker.runtime.SlotOwnershipState;
import io.baton.broker.runtime.SlotResources;
import io.baton.broker.runtime.SlotThreads;
import io.baton.broker.slot.SlotCommand;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.FunctionCounter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    private SlotLogFactory logs;
    private SlotController controller;
    private CrashWatch crashWatch;
    private Admission admission;
    private SlotResources resources;
    private ZkSeqReservations idReservations;
    private ProjectQuotas quotas;
    private ZkProjectUsage projectUsage;
    /** How often a broker shares its projects' usage with the others (what a quota may lag by across brokers). */
    static final Duration PROJECT_USAGE_INTERVAL = Duration.ofSeconds(1);
    private SlotHost host;
    private BrokerHealth health;
    private OwnershipReconciler reconciler;
    private Server grpc;
    private Server inProcess;
    private MetricsServer metricsServer;
    private ScheduledExecutorService ticker;
    private ScheduledExecutorService moverTimer;
    private MessageMover mover;
    private MoveClient moveClient;
    private Protos protos;
    private int slotCount;
    private ClusterView clusterView;

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
            zkBuilder.authorization("digest", config.zooKeeperCredentials().getBytes(StandardCharsets.UTF_8))
                    .aclProvider(ZooKeeperAcls.ownedUnder(paths.root()));
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
            ZooKeeperAcls.closeExisting(zk, paths.root());
        }
        assignments = new AssignmentStore(zk, paths);
        slotCount = assignments.ensureSlotCount(config.slotCount());
        protos = new Protos(new IdCodec(IdKey.ensure(zk, paths)));
        moveClient = new MoveClient(config.serviceToken(), config.tls(), protos);
        registry = new BrokerRegistry(zk, paths);
        clusterView = new ClusterView(config.brokerId(), slotCount, assignments, registry, () -> host);
        threads = new SlotThreads(config.slotThreads());
        logs = config.replicatedStorage()
                ? new BookKeeperSlotLogFactory(config.bookkeeperMetadataUri(), zk, paths::slotLog,
                        BookKeeperSlotLog.Replication.DEFAULT, config.ledgerBatching(), metrics.ledgerEvents(), config.ledgerPasswords())
                : new FileSlotLogFactory(config.dataDir(), metrics.flushListener(), config.segmentBytes(),
                        Journal.DEFAULT_SEGMENT_BYTES, config.disk(), config.diskSpace());
        long budget = config.memoryBudget() > 0 ? config.memoryBudget()
                : Admission.defaultMemoryBudget(Runtime.getRuntime().maxMemory(), slotCount);
        // The body cache is part of the budget: a quarter of it, at most 256 MiB.
        BodyCache cache = new BodyCache(Math.min(256L << 20, budget / 4), config.slotThreads());
        admission = new Admission(Math.max(1, budget - cache.capacityBytes()), logs::writeRefusal);
        idReservations = new ZkSeqReservations(zk, paths::slotIds);
        quotas = new ProjectQuotas(config.projectQuotas());
        projectUsage = new ZkProjectUsage(zk, paths, config.brokerId(), quotas);
        projectUsage.start(PROJECT_USAGE_INTERVAL);
        resources = new SlotResources(admission, quotas, cache, SlotResources.bodyReaderPool(4), idReservations);
        LocalSlots slots = new LocalSlots(slotCount, clusterView::notServedHere);
        host = new SlotHost(slots, logs, threads, config.clock(), config.limits(), config.checkpoints(), metrics::recordDurable,
                resources);
        metrics.bindAdmission(admission, logs instanceof FileSlotLogFactory f ? f.space() : null);
        if (logs instanceof FileSlotLogFactory f) {
            metrics.bindJournal(f);
        }
        metrics.bindQuotas(quotas);
        log.info("broker {}: memory budget {} MiB ({} MiB of it for recent message bodies)", config.brokerId(), budget >> 20,
                cache.capacityBytes() >> 20);
        host.events(metrics.slotEvents());
        metrics.bind(slots);
        metrics.bindFailures(host);
        moverTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("message-mover"));
        mover = new MessageMover(slots, (target, c) -> moveTo(slots, target, c), moverTimer);
        host.onMovesPending(mover::wake);
        host.observe(metrics.slotObserver());

        health = new BrokerHealth(config.brokerId(), zk.getZookeeperClient()::isConnected,
                assignments::latest, host, logs::storageProblem);
        WorkRpc work = new WorkRpc(slots, protos, metrics.registry(), config.maxWorkStreams());
        ClusterRpc cluster = new ClusterRpc(clusterView::map, project -> ClusterRpc.status(health, logs, work, project)
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
                ServerInterceptors.intercept(new MoveRpc(slots, protos), new GrpcMetricsInterceptor(metrics.registry())),
                ServerInterceptors.intercept(work.service(), new GrpcMetricsInterceptor(metrics.registry())));
        if (config.authRequired()) {
            // Outermost: a call is authenticated before anything else sees it, on every transport below.
            CallAuthorizer authorizer = new CallAuthorizer(config.credentials(), metrics.registry());
            services = services.stream().map(s -> ServerInterceptors.intercept(s, authorizer)).toList();
        }
        InetSocketAddress grpcBind = new InetSocketAddress(config.host(), config.grpcPort());
        NettyServerBuilder grpcBuilder = NettyServerBuilder.forAddress(grpcBind);
        if (config.tls() != null) {
            grpcBuilder.sslContext(config.tls().grpcServerContext());
        }
        // TCP callbacks borrow slot lanes only over file logs: a BookKeeper log's append may wait
        // for ZooKeeper and BookKeeper client threads (docs/DESIGN.md, "Slot lanes").
        List<ServerServiceDefinition> tcpServices = logs instanceof FileSlotLogFactory
                ? services.stream().map(s -> ServerInterceptors.intercept(s, new LaneBorrowingInterceptor())).toList()
                : services;
        grpc = grpcBuilder
                .addServices(tcpServices)
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
        List<ServerServiceDefinition> direct = new ArrayList<>();
        for (ServerServiceDefinition s : services) {
            direct.add(ServerInterceptors.intercept(s, new LaneBorrowingInterceptor()));
        }
        InProcessBrokers.register(grpcAddress(), direct);
        registry.register(BrokerInfo.newBuilder().setId(config.brokerId()).setGrpcAddress(grpcAddress()).build());
        if (config.selfAssignAllSlots()) {
            SelfAssigner.assignAll(assignments, config.brokerId(), slotCount);
        } else if (config.runController()) {
            // Cluster mode: every broker runs a controller; the elected one assigns the slots.
            controller = new SlotController(zk, paths, config.brokerId(), assignments, registry, slotCount);
            controller.start();
            FunctionCounter.builder("baton.controller.decisions", controller,
                    SlotController::decisions)
                    .description("Slot assignments written while this broker was the controller").register(metrics.registry());
            crashWatch = CrashWatch.standard(zk, paths, config.brokerId(), registry);
            crashWatch.start();
            FunctionCounter.builder("baton.cluster.crashes.detected", crashWatch, CrashWatch::removed)
                    .description("Brokers this broker found crashed (their port refused connections) and removed from the cluster"
                            + " ahead of their ZooKeeper session").register(metrics.registry());
        }
        reconciler = new OwnershipReconciler(config.brokerId(), host, assignments, slotCount);
        reconciler.start(zk);
        ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("slot-ticker"));
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
    private CompletableFuture<Integer> moveTo(LocalSlots slots, int slot,
                                                                   SlotCommand.AcceptMoved c) {
        SlotDriver local = slots.get(slot);
        if (local != null && local.state() == SlotOwnershipState.SERVING) {
            return local.submit(c);
        }
        String owner = clusterView.ownerAddress(slot);
        if (owner == null) {
            return CompletableFuture.failedFuture(clusterView.notServedHere(slot));
        }
        return moveClient.accept(owner, c);
    }

    public ClusterMap clusterMap() {
        return clusterView.map();
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

    @Override
    public void close() {
        if (registry != null && reconciler != null && config.runController()) {
            HandOver.leave(config.brokerId(), registry, assignments, host, zk.getZookeeperClient()::isConnected,
                    config.handOverTimeout());
        }
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
        if (crashWatch != null) {
            crashWatch.close();
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
