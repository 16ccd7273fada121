package io.zcl.runner.sim;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.ssh.EmbeddedSshServer;
import io.zcl.runner.ssh.SshKeys;
import io.zcl.runner.ssh.SshOperationalContext;
import io.zcl.runner.ssh.SshSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Simulated nodes reached over SSH, in this JVM: an embedded SSH server (Apache MINA SSHD) per
 * node, each running commands as real processes with the node's profile and fault in their
 * environment, and the runner's SSH transport connected to all of them with key auth and strict
 * host-key checking.
 */
public final class InProcessSshNodes implements AutoCloseable {

    private final Map<String, EmbeddedSshServer> servers = new LinkedHashMap<>();
    private final Path work;
    private final SshOperationalContext ctx;

    public InProcessSshNodes(ClusterDescriptor cluster, InProcessAgents.NodeSetup setup, JournalWriter journal) {
        try {
            work = Files.createTempDirectory("zcl-sim-ssh-");
            KeyPair user = SshKeys.generateKeyFile(work.resolve("id_ecdsa"), "zcl-simulate");
            StringBuilder knownHosts = new StringBuilder();
            for (String nodeId : cluster.nodeIds()) {
                EmbeddedSshServer server = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic())
                        .withEnv(setup.env(nodeId, cluster.system(nodeId)), setup.toolsDir()));
                servers.put(nodeId, server);
                knownHosts.append(server.knownHostsLine()).append('\n');
            }
            Files.writeString(work.resolve("known_hosts"), knownHosts);
            SshSettings settings = SshSettings.defaults(System.getProperty("user.name"), work.resolve("id_ecdsa"),
                    work.resolve("known_hosts"));
            ctx = new SshOperationalContext(cluster, settings, journal,
                    node -> new SshOperationalContext.Address("127.0.0.1", servers.get(node.id()).port()));
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot set up the simulated SSH nodes: " + e.getMessage(), e);
        }
    }

    /** The SSH context over these nodes; closing this object closes it (and its journal). */
    public SshOperationalContext context() {
        return ctx;
    }

    @Override
    public void close() {
        if (ctx != null) {
            ctx.close();
        }
        servers.values().forEach(EmbeddedSshServer::close);
        TempDirs.deleteTree(work);
    }
}
