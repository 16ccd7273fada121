package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.UnknownNodeException;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JsonlJournalWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The context over a cluster descriptor: addresses, parallel connect, per-node failures. */
@Timeout(30)
class SshOperationalContextTest {

    @TempDir
    Path dir;

    @Test
    void connectAllReportsEachNodeThatCannotBeReachedWithItsReason() throws Exception {
        Path keyFile = dir.resolve("id_ecdsa");
        KeyPair user = SshKeys.generateKeyFile(keyFile, "runner");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens there once this closes
        }
        try (EmbeddedSshServer good = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic()));
             EmbeddedSshServer impostor = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic()))) {
            ClusterDescriptor cluster = new ClusterDescriptor("lab", List.of(
                    new NodeDescriptor("node-1", "127.0.0.1", good.port(), "leaf-1", Map.of()),
                    new NodeDescriptor("node-2", "127.0.0.1", closedPort, "leaf-1", Map.of()),
                    new NodeDescriptor("node-3", "127.0.0.1", impostor.port(), "leaf-2", Map.of())), null);
            Path knownHosts = dir.resolve("known_hosts");
            // node-3's entry is someone else's key: its server is an impostor
            Files.writeString(knownHosts, good.knownHostsLine() + "\n"
                    + SshKeys.knownHostsLine("127.0.0.1", impostor.port(), SshKeys.generate().getPublic()) + "\n");
            SshSettings settings = SshSettings.defaults(System.getProperty("user.name"), keyFile, knownHosts);
            List<String> events = new CopyOnWriteArrayList<>();

            try (SshOperationalContext ctx = new SshOperationalContext(cluster, settings,
                    JsonlJournalWriter.open(dir.resolve("journal.jsonl")))) {
                ctx.setConnectionListener(new SshConnectionListener() {
                    @Override
                    public void connected(String nodeId, long n) {
                        events.add("up " + nodeId + " #" + n);
                    }

                    @Override
                    public void lost(String nodeId, String reason) {
                        events.add("lost " + nodeId);
                    }
                });
                Map<String, String> failures = ctx.connectAll();

                assertThat(failures).containsOnlyKeys("node-2", "node-3");
                assertThat(failures.get("node-2")).contains("127.0.0.1:" + closedPort).contains("connection refused");
                assertThat(failures.get("node-3")).contains("host key mismatch for [127.0.0.1]:" + impostor.port());
                assertThat(events).containsExactly("up node-1 #1");
                assertThat(ctx.sshExecutor("node-1").isConnected()).isTrue();

                CommandResult r = ctx.executor("node-1").run(Command.of("echo", "hi")).get(10, TimeUnit.SECONDS);
                assertThat(r.stdout()).isEqualTo("hi\n");
                assertThat(ctx.transport()).isEqualTo("ssh");
                assertThat(ctx.systemConfig("node-2").hostname()).isEqualTo("127.0.0.1");
                assertThatThrownBy(() -> ctx.executor("node-9")).isInstanceOf(UnknownNodeException.class);

                ctx.sshExecutor("node-1").disconnect();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> events.contains("lost node-1"));
            }
            assertThat(events).doesNotHaveDuplicates();
        }
    }
}
