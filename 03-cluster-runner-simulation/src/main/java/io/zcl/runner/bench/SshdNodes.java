package io.zcl.runner.bench;

import io.zcl.runner.sim.TempDirs;
import io.zcl.runner.ssh.OpenSshServers;
import io.zcl.runner.ssh.SshKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The nodes of the SSH-based contenders: one real OpenSSH sshd per node on its own loopback port,
 * a client key pair they all accept, and a known_hosts file naming each one. The same nodes serve
 * the runner's SSH transport (MINA), asyncssh and pdsh, so the clients are compared on equal
 * servers.
 */
final class SshdNodes implements AutoCloseable {

    final Path work;
    /** The client's private key (OpenSSH format). */
    final Path key;
    final Path knownHosts;
    final List<String> ids;
    private final OpenSshServers servers;

    private SshdNodes(Path work, Path key, Path knownHosts, List<String> ids, OpenSshServers servers) {
        this.work = work;
        this.key = key;
        this.knownHosts = knownHosts;
        this.ids = ids;
        this.servers = servers;
    }

    static SshdNodes start(int nodes) throws IOException {
        Path work = TempDirs.create("zcl-bench-ssh-", "the benchmark's sshd nodes");
        try {
            Path key = work.resolve("id_ecdsa");
            KeyPair user = SshKeys.generateKeyFile(key, "zcl-bench");
            List<OpenSshServers.NodeSpec> specs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                specs.add(OpenSshServers.NodeSpec.plain("node-" + i));
                ids.add("node-" + i);
            }
            OpenSshServers servers = OpenSshServers.start(work.resolve("sshd"), specs, user.getPublic());
            Path knownHosts = work.resolve("known_hosts");
            Files.writeString(knownHosts, servers.knownHosts());
            return new SshdNodes(work, key, knownHosts, List.copyOf(ids), servers);
        } catch (IOException | RuntimeException e) {
            TempDirs.deleteTree(work);
            throw e;
        }
    }

    int port(String nodeId) {
        return servers.node(nodeId).port();
    }

    /** CPU of every sshd with its sessions and the commands they ran (see {@link CpuTime#ofTree}). */
    OptionalLong cpuNanos() {
        long sum = 0;
        for (String id : ids) {
            OptionalLong tree = CpuTime.ofTree(servers.node(id).pid());
            if (tree.isEmpty()) {
                return OptionalLong.empty();
            }
            sum += tree.getAsLong();
        }
        return OptionalLong.of(sum);
    }

    /** SIGKILLs every sshd and its sessions: the kernel closes their connections. */
    void killAll() {
        ids.forEach(servers::stop);
    }

    /** The OpenSSH servers, for the runner's SSH transport. */
    OpenSshServers servers() {
        return servers;
    }

    @Override
    public void close() {
        servers.close();
        TempDirs.deleteTree(work);
    }
}
