package io.zcl.runner.bench;

import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.sim.TempDirs;
import io.zcl.runner.ssh.OpenSshServers;
import io.zcl.runner.ssh.SshKeys;
import io.zcl.runner.ssh.SshOperationalContext;
import io.zcl.runner.ssh.SshSettings;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Real OpenSSH: one sshd per node on a loopback port (started before the clock runs), and the
 * runner's SSH transport (Apache MINA SSHD client: one connection per node, a channel per command).
 */
final class SshContender implements Contender {

    private Path work;
    private OpenSshServers servers;
    private SshOperationalContext ctx;
    private List<String> nodeIds = List.of();
    private long coordinatorBytes = -1;

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public Duration connect(int nodes) throws Exception {
        work = TempDirs.create("zcl-bench-ssh-", "the benchmark's sshd nodes");
        KeyPair user = SshKeys.generateKeyFile(work.resolve("id_ecdsa"), "zcl-bench");
        List<OpenSshServers.NodeSpec> specs = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            specs.add(OpenSshServers.NodeSpec.plain("node-" + i));
        }
        servers = OpenSshServers.start(work.resolve("sshd"), specs, user.getPublic());
        Path knownHosts = work.resolve("known_hosts");
        Files.writeString(knownHosts, servers.knownHosts());
        ClusterDescriptor cluster = ClusterDescriptor.simulated(nodes, 1);
        SshSettings settings = SshSettings.defaults(System.getProperty("user.name"), work.resolve("id_ecdsa"), knownHosts)
                .withConnectTimeout(Duration.ofSeconds(60));
        ctx = new SshOperationalContext(cluster, settings, JsonlJournalWriter.open(work.resolve("journal.jsonl")),
                node -> new SshOperationalContext.Address("127.0.0.1", servers.node(node.id()).port()));
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
        for (String id : nodeIds) {
            servers.stop(id); // SIGKILL sshd and its sessions: the kernel closes the connections
        }
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
        if (servers == null) {
            return OptionalLong.empty();
        }
        long sum = 0;
        for (String id : nodeIds) {
            OptionalLong tree = CpuTime.ofTree(servers.node(id).pid());
            if (tree.isEmpty()) {
                return OptionalLong.empty();
            }
            sum += tree.getAsLong();
        }
        return OptionalLong.of(sum);
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
        if (servers != null) {
            servers.close();
        }
        TempDirs.deleteTree(work);
    }
}
