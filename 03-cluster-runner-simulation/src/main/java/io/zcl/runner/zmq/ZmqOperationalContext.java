package io.zcl.runner.zmq;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;
import io.zcl.runner.cluster.ClusterDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runner's context over ZeroMQ: the nodes come from the cluster descriptor, commands go through
 * the coordinator's ROUTER to each node's agent, and a node's SystemConfiguration is what its agent
 * reported in HELLO (the descriptor's is the fallback before it connects). Closing it closes the
 * coordinator and the journal. It puts the coordinator in {@link ZmqCoordinator#ackAfterHandover()}
 * mode: a RESULT is ACKed when the journal line of its group is durable, not on receipt.
 */
public final class ZmqOperationalContext implements OperationalContext {

    private final ClusterDescriptor cluster;
    private final ZmqCoordinator coordinator;
    private final JournalWriter journal;
    private final Map<String, NodeExecutor> executors = new ConcurrentHashMap<>();

    public ZmqOperationalContext(ClusterDescriptor cluster, ZmqCoordinator coordinator, JournalWriter journal) {
        this(cluster, coordinator, journal, Set.of());
    }

    /**
     * @param journaledCommandIds command ids the journal already accounts for (a resumed run's):
     *                            an orphan RESULT with one of these ids is ACKed, not journaled again
     */
    public ZmqOperationalContext(ClusterDescriptor cluster, ZmqCoordinator coordinator, JournalWriter journal,
                                 Set<String> journaledCommandIds) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        // A RESULT is ACKed only once the test result that accounts for it is durable (ADR-3).
        this.journal = ResultHandover.ackingJournal(Objects.requireNonNull(journal, "journal"),
                coordinator.ackAfterHandover());
        // RESULTs of a dead coordinator's commands: one orphan_result record each, then ACKed.
        coordinator.addListener(ResultHandover.orphanRecorder(journal, coordinator, journaledCommandIds));
    }

    public ZmqCoordinator coordinator() {
        return coordinator;
    }

    @Override
    public List<NodeDescriptor> nodes() {
        return cluster.nodes();
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        requireKnown(nodeId);
        return executors.computeIfAbsent(nodeId, coordinator::executor);
    }

    @Override
    public SystemConfiguration systemConfig(String nodeId) {
        requireKnown(nodeId);
        return coordinator.systemConfig(nodeId).orElseGet(() -> cluster.system(nodeId));
    }

    private void requireKnown(String nodeId) {
        if (!cluster.nodeIds().contains(nodeId)) {
            throw new UnknownNodeException(nodeId, cluster.nodeIds());
        }
    }

    @Override
    public JournalWriter journal() {
        return journal;
    }

    @Override
    public String transport() {
        return "zmq";
    }

    /**
     * The last round's RESULTs are ACKed as its journal lines become durable, just before the run
     * ends: give those ACKs a moment to leave, or the agents would re-send the RESULTs to the next
     * coordinator (which would journal them as orphans). Bounded: ACKs that cannot be sent (the
     * journal failed, a node is away) are not waited for past 2 s.
     */
    private void sendLastAcks() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        try {
            while (coordinator.awaitingAck() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(50); // the socket's I/O thread writes queued ACKs; closing drops what it has not
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            sendLastAcks();
            coordinator.close();
        } finally {
            journal.close();
        }
    }
}
