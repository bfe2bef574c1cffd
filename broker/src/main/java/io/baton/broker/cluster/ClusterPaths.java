package io.baton.broker.cluster;

/** Where a cluster keeps its coordination state in ZooKeeper. */
public record ClusterPaths(String cluster) {
    public String root() {
        return "/baton/" + cluster;
    }

    public String config() {
        return root() + "/config";
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
}
