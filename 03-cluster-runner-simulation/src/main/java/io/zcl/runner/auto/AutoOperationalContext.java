package io.zcl.runner.auto;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.ssh.SshOperationalContext;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --transport auto}: each command goes over ZeroMQ when its node's agent has a live
 * session with the coordinator, and over SSH otherwise. The choice is made per command, at the
 * moment it is dispatched, so a node whose agent dies moves to SSH for its next command and
 * moves back when the agent says HELLO again. Which transport ran each command is kept until the
 * runner asks for it ({@link #nodeTransports}) and is written into the journal with the test.
 *
 * <p>A command already sent over ZeroMQ when the agent dies is not re-run over SSH (a perf test
 * is not idempotent): it ends as the ZeroMQ transport ends it, {@code NODE_LOST} after the
 * coordinator's grace period, unless the agent comes back in time with its result.
 *
 * <p>Closing this context closes the coordinator, the SSH context and the journal.
 */
public final class AutoOperationalContext implements OperationalContext {

    public static final String ZMQ = "zmq";
    public static final String SSH = "ssh";

    private final ClusterDescriptor cluster;
    private final ZmqCoordinator coordinator;
    private final SshOperationalContext ssh;
    private final JournalWriter journal;
    private final Map<String, NodeExecutor> executors = new LinkedHashMap<>();
    /** Command id -> [node id, transport], until the runner reads it for the journal. */
    private final Map<String, String[]> ranOver = new ConcurrentHashMap<>();
    /** Command id -> the executor it went to, for cancel. Removed when the command ends. */
    private final Map<String, NodeExecutor> running = new ConcurrentHashMap<>();
    private final AtomicLong overZmq = new AtomicLong();
    private final AtomicLong overSsh = new AtomicLong();

    /**
     * @param coordinator started; its agents decide which nodes go over ZeroMQ
     * @param ssh         an SSH context over the same cluster (same node ids)
     * @param journal     where results go (the SSH context may hold the same writer)
     */
    public AutoOperationalContext(ClusterDescriptor cluster, ZmqCoordinator coordinator, SshOperationalContext ssh,
                                  JournalWriter journal) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
        this.ssh = Objects.requireNonNull(ssh, "ssh");
        this.journal = Objects.requireNonNull(journal, "journal");
        for (String nodeId : cluster.nodeIds()) {
            executors.put(nodeId, new AutoNodeExecutor(nodeId, coordinator.executor(nodeId), ssh.executor(nodeId)));
        }
    }

    public ZmqCoordinator coordinator() {
        return coordinator;
    }

    public SshOperationalContext ssh() {
        return ssh;
    }

    /** Commands dispatched over ZeroMQ so far. */
    public long commandsOverZmq() {
        return overZmq.get();
    }

    /** Commands dispatched over SSH so far. */
    public long commandsOverSsh() {
        return overSsh.get();
    }

    /** The transport a command on this node would take now. */
    public String transportFor(String nodeId) {
        requireKnown(nodeId);
        return coordinator.upNodes().contains(nodeId) ? ZMQ : SSH;
    }

    @Override
    public List<NodeDescriptor> nodes() {
        return cluster.nodes();
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        requireKnown(nodeId);
        return executors.get(nodeId);
    }

    @Override
    public SystemConfiguration systemConfig(String nodeId) {
        requireKnown(nodeId);
        return coordinator.systemConfig(nodeId).orElseGet(() -> cluster.system(nodeId));
    }

    @Override
    public JournalWriter journal() {
        return journal;
    }

    /** "auto" in the run header; each test result names the transports its commands took. */
    @Override
    public String transport() {
        return "auto";
    }

    /**
     * Node id -> "zmq" or "ssh" for these commands (a node with commands over both: "zmq+ssh").
     * Forgets the commands: the runner asks once per test.
     */
    @Override
    public Map<String, String> nodeTransports(List<String> commandIds) {
        Map<String, String> byNode = new LinkedHashMap<>();
        for (String id : commandIds) {
            String[] ran = ranOver.remove(id);
            if (ran != null) {
                byNode.merge(ran[0], ran[1], (a, b) -> a.equals(b) ? a : ZMQ + "+" + SSH);
            }
        }
        return byNode;
    }

    private void requireKnown(String nodeId) {
        if (!executors.containsKey(nodeId)) {
            throw new UnknownNodeException(nodeId, cluster.nodeIds());
        }
    }

    @Override
    public void close() {
        try {
            coordinator.close();
        } finally {
            ssh.close(); // closes the journal too when it holds the same writer
            journal.close();
        }
    }

    /** One node: ZeroMQ while its agent is up, SSH while it is not, decided per command. */
    private final class AutoNodeExecutor implements NodeExecutor {
        private final String nodeId;
        private final NodeExecutor zmq;
        private final NodeExecutor sshExecutor;

        AutoNodeExecutor(String nodeId, NodeExecutor zmq, NodeExecutor sshExecutor) {
            this.nodeId = nodeId;
            this.zmq = zmq;
            this.sshExecutor = sshExecutor;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public CompletableFuture<CommandResult> run(Command command, OutputListener listener) {
            String transport = transportFor(nodeId);
            NodeExecutor target = transport.equals(ZMQ) ? zmq : sshExecutor;
            (transport.equals(ZMQ) ? overZmq : overSsh).incrementAndGet();
            ranOver.put(command.id(), new String[] {nodeId, transport});
            running.put(command.id(), target);
            CompletableFuture<CommandResult> result = target.run(command, listener);
            result.whenComplete((r, e) -> running.remove(command.id()));
            return result;
        }

        @Override
        public boolean cancel(String commandId) {
            NodeExecutor target = running.get(commandId);
            return target != null && target.cancel(commandId);
        }
    }
}
