package io.baton.broker.cluster;

/** Where a cluster keeps its coordination state in ZooKeeper. */
public record ClusterPaths(String cluster) {
    public String root() {
        return "/baton/" + cluster;
    }

    public String config() {
        return root() + "/config";
    }

    /** The key message and claim ids are encrypted under ({@link IdKey}). */
    public String idKey() {
        return root() + "/id-key";
    }

    public String brokers() {
        return root() + "/brokers";
    }

    public String broker(String id) {
        return brokers() + "/" + id;
    }

    public String assignment() {
        return root() + "/assignment";
    }

    /** The controller's leader latch. */
    public String controller() {
        return root() + "/controller";
    }

    /** A slot's replicated log metadata (BookKeeper storage). */
    public String slotLog(int slot) {
        return String.format("%s/slots/%04d/log", root(), slot);
    }

    /** How far a slot may issue ids ({@code ZkSeqReservations}). */
    public String slotIds(int slot) {
        return String.format("%s/slots/%04d/ids", root(), slot);
    }

    /** Each broker's report of what its slots hold by project ({@code ZkProjectUsage}). */
    public String usage() {
        return root() + "/usage";
    }

    public String usage(String brokerId) {
        return usage() + "/" + brokerId;
    }
}
