package io.zcl.runner.bench;

import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.ssh.SshOperationalContext;
import io.zcl.runner.ssh.SshSettings;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Real OpenSSH: one sshd per node on a loopback port (started before the clock runs), and the
 * runner's SSH transport (Apache MINA SSHD client: one connection per node, a channel per command).
 */
final class SshContender implements Contender {

    private SshdNodes sshd;
    private SshOperationalContext ctx;
    private List<String> nodeIds = List.of();
    private long coordinatorBytes = -1;

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public Duration connect(int nodes) throws Exception {
        sshd = SshdNodes.start(nodes);
        ClusterDescriptor cluster = ClusterDescriptor.simulated(nodes, 1);
        SshSettings settings = SshSettings.defaults(System.getProperty("user.name"), sshd.key, sshd.knownHosts)
                .withConnectTimeout(Duration.ofSeconds(60));
        ctx = new SshOperationalContext(cluster, settings, JsonlJournalWriter.open(sshd.work.resolve("journal.jsonl")),
                node -> new SshOperationalContext.Address("127.0.0.1", sshd.port(node.id())));
        var memory = ManagementFactory.getMemoryMXBean();
        long before = ZmqContender.usedHeapAfterGc(memory);
        long t0 = System.nanoTime();
        Map<String, String> failed = ctx.connectAll();
        Duration setup = Duration.ofNanos(System.nanoTime() - t0);
        if (!failed.isEmpty()) {
            throw new IllegalStateException(failed.size() + " sshd connections failed, e.g. " + failed.entrySet().iterator().next());
        }
        coordinatorBytes = Math.max(0, ZmqContender.usedHeapAfterGc(memory) - before);
        nodeIds = cluster.nodeIds();
        return setup;
    }

    @Override
    public List<String> nodeIds() {
        return nodeIds;
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        return ctx.executor(nodeId);
    }

    @Override
    public Duration killAndDetect() throws Exception {
        String first = nodeIds.get(0);
        long t0 = System.nanoTime();
        sshd.killAll(); // SIGKILL sshd and its sessions: the kernel closes the connections
        long deadline = t0 + Duration.ofSeconds(60).toNanos();
        while (ctx.sshExecutor(first).isConnected()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the SSH transport still reports " + first + " connected 60 s after its sshd died");
            }
            Thread.sleep(1);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public OptionalLong nodeCpuNanos() {
        return sshd == null ? OptionalLong.empty() : sshd.cpuNanos();
    }

    @Override
    public OptionalLong coordinatorBytes() {
        return coordinatorBytes < 0 ? OptionalLong.empty() : OptionalLong.of(coordinatorBytes);
    }

    @Override
    public String detectionNote() {
        return "a killed sshd closes its TCP connections, which the client sees at once; a node that "
                + "vanishes without closing them (power, network) is only noticed by SSH keepalives (15 s here)";
    }

    @Override
    public void close() {
        if (ctx != null) {
            ctx.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }
}
