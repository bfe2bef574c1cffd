package io.baton.broker;

import io.baton.api.Limits;
import io.baton.broker.log.FileSlotLog;
import io.baton.broker.quota.QuotaPolicy;
import io.baton.broker.runtime.CheckpointPolicy;
import io.baton.broker.slot.SlotLimits;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/** Everything a broker is started with. Build with {@link #builder()}; every value is checked there. */
public record BrokerConfig(
        String brokerId,
        String cluster,
        String zkConnect,
        Duration zkSessionTimeout,
        String host,
        int grpcPort,
        int metricsPort,
        Path dataDir,
        int slotCount,
        boolean selfAssignAllSlots,
        SlotLimits limits,
        int slotThreads,
        long segmentBytes,
        CheckpointPolicy checkpoints,
        Clock clock,
        String bookkeeperMetadataUri,
        boolean runController,
        Duration handOverTimeout,
        String advertisedHost,
        io.baton.broker.log.Disk disk,
        long memoryBudget,
        io.baton.broker.log.FileSlotLogFactory.Space diskSpace,
        Supplier<QuotaPolicy> projectQuotas,
        io.baton.auth.Credentials credentials,
        String serviceToken,
        io.baton.api.tls.TlsCredentials tls,
        String zooKeeperCredentials,
        io.baton.broker.log.LedgerPasswords ledgerPasswords,
        io.baton.broker.log.BookKeeperSlotLog.Batching ledgerBatching,
        int maxWorkStreams) {

    /** Whether every gRPC call must carry a token ({@link #credentials} set). */
    public boolean authRequired() {
        return credentials != null;
    }

    /** True when slot logs live in BookKeeper (cluster mode) rather than on the local disk. */
    public boolean replicatedStorage() {
        return bookkeeperMetadataUri != null;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String brokerId = "broker-1";
        private String cluster = "default";
        private String zkConnect;
        private Duration zkSessionTimeout = Duration.ofSeconds(10);
        private String host = "127.0.0.1";
        private int grpcPort = 0;
        private int metricsPort = -1;
        private Path dataDir;
        private int slotCount = Limits.DEFAULT_SLOT_COUNT;
        private boolean selfAssignAllSlots = true;
        private SlotLimits limits = SlotLimits.v1();
        private int slotThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private long segmentBytes = FileSlotLog.DEFAULT_SEGMENT_BYTES;
        private CheckpointPolicy checkpoints = CheckpointPolicy.defaults();
        private Clock clock = Clock.systemUTC();
        private String bookkeeperMetadataUri;
        private boolean runController;
        private Duration handOverTimeout = Duration.ofSeconds(30);
        private String advertisedHost;
        private io.baton.broker.log.Disk disk = io.baton.broker.log.Disk.REAL;
        private long memoryBudget;
        private io.baton.broker.log.FileSlotLogFactory.Space diskSpace = io.baton.broker.log.FileSlotLogFactory.Space.defaults();
        private Supplier<QuotaPolicy> projectQuotas = () -> QuotaPolicy.NONE;
        private io.baton.auth.Credentials credentials;
        private String serviceToken;
        private io.baton.api.tls.TlsCredentials tls;
        private String zooKeeperCredentials;
        private io.baton.broker.log.LedgerPasswords ledgerPasswords = io.baton.broker.log.LedgerPasswords.DEFAULT;
        private io.baton.broker.log.BookKeeperSlotLog.Batching ledgerBatching = io.baton.broker.log.BookKeeperSlotLog.Batching.DEFAULT;
        private int maxWorkStreams = io.baton.broker.rpc.WorkRpc.MAX_STREAMS;

        public Builder brokerId(String v) {
            brokerId = v;
            return this;
        }

        public Builder cluster(String v) {
            cluster = v;
            return this;
        }

        public Builder zkConnect(String v) {
            zkConnect = v;
            return this;
        }

        public Builder zkSessionTimeout(Duration v) {
            zkSessionTimeout = v;
            return this;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        /** 0 picks a free port. */
        public Builder grpcPort(int v) {
            grpcPort = v;
            return this;
        }

        /** 0 picks a free port; -1 (the default) serves no metrics endpoint. */
        public Builder metricsPort(int v) {
            metricsPort = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        public Builder slotCount(int v) {
            slotCount = v;
            return this;
        }

        /** Standalone: this broker takes every slot. Otherwise it serves what a controller assigns. */
        public Builder selfAssignAllSlots(boolean v) {
            selfAssignAllSlots = v;
            return this;
        }

        public Builder limits(SlotLimits v) {
            limits = v;
            return this;
        }

        public Builder slotThreads(int v) {
            slotThreads = v;
            return this;
        }

        public Builder segmentBytes(long v) {
            segmentBytes = v;
            return this;
        }

        public Builder checkpoints(CheckpointPolicy v) {
            checkpoints = v;
            return this;
        }

        public Builder clock(Clock v) {
            clock = v;
            return this;
        }

        /**
         * Keep slot logs in BookKeeper, whose metadata lives at this URI (for example
         * {@code zk+hierarchical://zk1:2181;zk2:2181/ledgers}); null (the default): local disk.
         */
        public Builder bookkeeper(String metadataUri) {
            bookkeeperMetadataUri = metadataUri;
            return this;
        }

        /**
         * Take part in the controller election (cluster mode): the elected broker assigns slots to
         * live brokers. Default false; standalone assigns itself every slot instead.
         */
        public Builder controller(boolean v) {
            runController = v;
            return this;
        }

        /**
         * Cluster mode: how long a broker that is closed keeps serving while the controller moves
         * its slots to the others (default 30 s). Zero closes at once; the slots then move when the
         * registration disappears, and their new owners fence what is left.
         */
        public Builder handOverTimeout(Duration v) {
            if (v == null || v.isNegative()) {
                throw new IllegalArgumentException("hand-over timeout must be >= 0");
            }
            handOverTimeout = v;
            return this;
        }

        /**
         * The host other brokers and clients reach this one at, as registered in the cluster map
         * (default: the listen host). Set it when listening on 0.0.0.0, e.g. to the pod's DNS name.
         */
        public Builder advertisedHost(String v) {
            advertisedHost = v;
            return this;
        }

        /** The file operations of the local log (tests inject storage faults here). */
        public Builder disk(io.baton.broker.log.Disk v) {
            disk = Objects.requireNonNull(v);
            return this;
        }

        /**
         * Heap the slots' state and the writes in flight may take before new messages are refused
         * (bytes); 0, the default, derives it from the heap: half of it, less 256 KiB per slot.
         */
        public Builder memoryBudget(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("memory budget must be >= 0");
            }
            memoryBudget = bytes;
            return this;
        }

        /** Local disk: below how much free space new messages are refused, and the reserve kept for the rest. */
        public Builder diskSpace(io.baton.broker.log.FileSlotLogFactory.Space v) {
            diskSpace = Objects.requireNonNull(v);
            return this;
        }

        /**
         * Each project's quota (messages and bytes across the cluster); asked at every publish, so
         * a policy read from a file ({@link io.baton.broker.quota.QuotaFile}) may change. Default: none.
         */
        public Builder projectQuotas(Supplier<QuotaPolicy> v) {
            projectQuotas = Objects.requireNonNull(v);
            return this;
        }

        /**
         * Require a bearer token on every gRPC call, granted the project each request names
         * ({@link io.baton.broker.rpc.CallAuthorizer}); null, the default: no authentication
         * (development on loopback).
         */
        public Builder credentials(io.baton.auth.Credentials v) {
            credentials = v;
            return this;
        }

        /**
         * The token this broker sends when it calls other brokers (moving messages between queues);
         * they must grant it every project ({@code *}). Null: none (their auth must be off too).
         */
        public Builder serviceToken(String v) {
            serviceToken = v;
            return this;
        }

        /**
         * Serve gRPC over TLS with this identity (requiring client certificates if it says so) and
         * call other brokers over TLS, trusting its CAs. Null, the default: plaintext.
         */
        public Builder tls(io.baton.api.tls.TlsCredentials v) {
            if (v != null && v.identity() == null) {
                throw new IllegalArgumentException("a broker serving TLS needs a certificate and key");
            }
            tls = v;
            return this;
        }

        /**
         * ZooKeeper digest credentials ({@code user:password}), the same for every broker of the
         * cluster: every znode under the cluster root is then readable and writable by them alone
         * ({@link io.baton.broker.cluster.ZooKeeperAcls}). Null, the default: open znodes.
         */
        public Builder zooKeeperCredentials(String v) {
            if (v != null && !v.matches("[^:\\s]+:\\S{16,}")) {
                throw new IllegalArgumentException("ZooKeeper credentials are user:password, the password of 16 characters or more");
            }
            zooKeeperCredentials = v;
            return this;
        }

        /** The passwords of the cluster's BookKeeper ledgers (default: the fixed one of unconfigured clusters). */
        public Builder ledgerPasswords(io.baton.broker.log.LedgerPasswords v) {
            ledgerPasswords = Objects.requireNonNull(v);
            return this;
        }

        /** How slot records go into BookKeeper entries (default: batches of up to 1 MiB, two in flight per slot). */
        public Builder ledgerBatching(io.baton.broker.log.BookKeeperSlotLog.Batching v) {
            ledgerBatching = Objects.requireNonNull(v);
            return this;
        }

        /** Work streams this broker serves at most (all clients together); past it, RESOURCE_EXHAUSTED. */
        public Builder maxWorkStreams(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("maxWorkStreams must be at least 1");
            }
            maxWorkStreams = v;
            return this;
        }

        public BrokerConfig build() {
            Objects.requireNonNull(zkConnect, "zkConnect");
            Objects.requireNonNull(dataDir, "dataDir");
            if (!brokerId.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("broker id must be 1-64 letters, digits, '.', '_' or '-': " + brokerId);
            }
            if (!cluster.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("cluster name must be 1-64 letters, digits, '.', '_' or '-': " + cluster);
            }
            if (slotCount < 1 || slotCount > 0xFFFF) {
                throw new IllegalArgumentException("slot count must be 1..65535: " + slotCount);
            }
            if (grpcPort < 0 || grpcPort > 65535 || metricsPort < -1 || metricsPort > 65535) {
                throw new IllegalArgumentException("ports must be 0..65535");
            }
            if (selfAssignAllSlots && runController) {
                throw new IllegalArgumentException("a broker either assigns itself every slot or runs the controller");
            }
            if (slotThreads < 1 || segmentBytes < 4096) {
                throw new IllegalArgumentException("slotThreads >= 1 and segmentBytes >= 4096");
            }
            return new BrokerConfig(brokerId, cluster, zkConnect, zkSessionTimeout, host, grpcPort, metricsPort, dataDir,
                    slotCount, selfAssignAllSlots, limits, slotThreads, segmentBytes, checkpoints, clock, bookkeeperMetadataUri,
                    runController, handOverTimeout, advertisedHost != null ? advertisedHost : host, disk, memoryBudget, diskSpace,
                    projectQuotas, credentials, serviceToken, tls, zooKeeperCredentials, ledgerPasswords, ledgerBatching,
                    maxWorkStreams);
        }
    }
}
