package io.zcl.runner.ssh;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;
import io.zcl.runner.cluster.ClusterDescriptor;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The runner's context over SSH: one {@link SshNodeExecutor} per node of the cluster descriptor
 * (its host and sshPort), all sharing one {@link SshConnector} (user, key, known_hosts). A node's
 * SystemConfiguration is the descriptor's. Connections open lazily with each node's first
 * command, or all at once with {@link #connectAll()}. Closing the context stops every command,
 * closes the connections and the journal.
 */
public final class SshOperationalContext implements OperationalContext {

    private final ClusterDescriptor cluster;
    private final JournalWriter journal;
    private final SshConnector connector;
    private final Map<String, SshNodeExecutor> executors = new LinkedHashMap<>();

    /** Every node at its descriptor address. */
    public SshOperationalContext(ClusterDescriptor cluster, SshSettings settings, JournalWriter journal) {
        this(cluster, settings, journal, node -> new Address(node.host(), node.sshPort()));
    }

    /**
     * @param address where each node's sshd is; a simulation on one machine maps every node to
     *                127.0.0.1 and the port of its own server
     */
    public SshOperationalContext(ClusterDescriptor cluster, SshSettings settings, JournalWriter journal,
                                 Function<NodeDescriptor, Address> address) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.journal = Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(address, "address");
        this.connector = new SshConnector(settings);
        for (NodeDescriptor node : cluster.nodes()) {
            Address a = Objects.requireNonNull(address.apply(node), "no address for " + node.id());
            executors.put(node.id(), new SshNodeExecutor(node.id(), a.host(), a.port(), connector));
        }
    }

    /** Where a node's sshd listens. */
    public record Address(String host, int port) {
        public Address {
            Objects.requireNonNull(host, "host");
        }
    }

    /**
     * Connects to every node in parallel and waits for all (each bounded by the connect timeout).
     *
     * @return the nodes that could not be connected, by id, with one line each saying why; empty
     *         when every node is connected
     */
    public Map<String, String> connectAll() {
        Map<String, CompletableFuture<Void>> attempts = new LinkedHashMap<>();
        for (SshNodeExecutor executor : executors.values()) {
            attempts.put(executor.nodeId(), CompletableFuture.runAsync(() -> {
                try {
                    executor.connect();
                } catch (SshConnectException e) {
                    throw new CompletionException(e);
                }
            }, connector.connectPool()));
        }
        Duration limit = connector.settings().connectTimeout().plusSeconds(5);
        long deadline = System.nanoTime() + limit.toNanos();
        Map<String, String> failures = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<Void>> e : attempts.entrySet()) {
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException t) {
                failures.put(e.getKey(), "no connection within " + limit.toSeconds() + " s");
            } catch (ExecutionException x) {
                Throwable cause = x.getCause() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : x.getCause();
                failures.put(e.getKey(), cause.getMessage());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                failures.put(e.getKey(), "interrupted while connecting");
            }
        }
        return failures;
    }

    /** Sends every node's connection up/lost events to the listener. */
    public void setConnectionListener(SshConnectionListener listener) {
        executors.values().forEach(e -> e.setConnectionListener(listener));
    }

    public ClusterDescriptor cluster() {
        return cluster;
    }

    @Override
    public List<NodeDescriptor> nodes() {
        return cluster.nodes();
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        return sshExecutor(nodeId);
    }

    /** The executor with its SSH-specific view (connection state, channel counts). */
    public SshNodeExecutor sshExecutor(String nodeId) {
        SshNodeExecutor executor = executors.get(nodeId);
        if (executor == null) {
            throw new UnknownNodeException(nodeId, executors.keySet());
        }
        return executor;
    }

    @Override
    public SystemConfiguration systemConfig(String nodeId) {
        return cluster.system(nodeId);
    }

    @Override
    public JournalWriter journal() {
        return journal;
    }

    @Override
    public String transport() {
        return "ssh";
    }

    /** Stops every node's commands, closes the connections, then the journal. */
    @Override
    public void close() {
        try {
            executors.values().forEach(SshNodeExecutor::close);
            connector.close();
        } finally {
            journal.close();
        }
    }
}
