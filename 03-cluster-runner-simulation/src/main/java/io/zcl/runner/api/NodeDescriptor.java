package io.zcl.runner.api;

import java.util.Map;
import java.util.Objects;

/**
 * One node as the cluster descriptor names it.
 *
 * @param id     stable node id used everywhere (journal, schedules, CLI), e.g. "node-3"
 * @param host   address or host name to reach the node (SSH target; the agent's own host)
 * @param sshPort SSH port, 22 on a real cluster
 * @param leaf   the leaf (top-of-rack) switch the node's fabric NIC is cabled to; schedules
 *               pair nodes across leaves with it
 * @param labels free-form labels, e.g. "rack=r12", "gpu=h100"
 */
public record NodeDescriptor(String id, String host, int sshPort, String leaf, Map<String, String> labels) {

    public NodeDescriptor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(leaf, "leaf");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
