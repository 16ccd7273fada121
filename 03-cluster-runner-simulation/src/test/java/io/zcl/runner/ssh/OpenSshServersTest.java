package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real sshd per simulated node: the node's environment and the ~/.bashrc it must not load. */
@Timeout(30)
class OpenSshServersTest {

    @TempDir
    Path dir;

    @BeforeEach
    void needsSshd() {
        Requirements.openSshServer();
    }

    @Test
    void eachNodeHasItsOwnHomeEnvironmentAndPathAndBashReadsNoUserRcFile() throws Exception {
        Path keyFile = dir.resolve("id_ecdsa");
        KeyPair user = SshKeys.generateKeyFile(keyFile, "test");
        Path tools = Files.createDirectories(dir.resolve("tools"));
        List<OpenSshServers.NodeSpec> specs = List.of(
                new OpenSshServers.NodeSpec("node-1", Map.of("ZCL_EMU_GPU_MODEL", "NVIDIA H100 80GB HBM3"), tools, 10),
                new OpenSshServers.NodeSpec("node-2", Map.of("ZCL_EMU_GPU_MODEL", "NVIDIA A100"), null, 10));
        try (OpenSshServers servers = OpenSshServers.start(dir.resolve("sshd"), specs, user.getPublic())) {
            Path knownHosts = dir.resolve("known_hosts");
            Files.writeString(knownHosts, servers.knownHosts());
            SshSettings settings = SshSettings.defaults(System.getProperty("user.name"), keyFile, knownHosts);
            OpenSshServers.Node node1 = servers.node("node-1");
            try (SshNodeExecutor n1 = SshNodeExecutor.open("node-1", node1.host(), node1.port(), settings);
                 SshNodeExecutor n2 = SshNodeExecutor.open("node-2", "127.0.0.1", servers.node("node-2").port(), settings)) {
                String show = "printf '%s\\n' \"$HOME\" \"$ZCL_EMU_GPU_MODEL\" \"${PATH%%:*}\" \"${ZCL_RC:-no rc}\"";

                assertThat(lines(n1, show)).containsExactly(node1.dir().resolve("home").toString(),
                        "NVIDIA H100 80GB HBM3", tools.toString(), "no rc");
                assertThat(lines(n2, show)).element(1).isEqualTo("NVIDIA A100");

                // bash run by sshd does read $HOME/.bashrc: the node's, never the real user's
                if (lines(n1, "echo \"$SHELL\"").get(0).endsWith("/bash")) { // the login shell sshd runs commands with
                    Files.writeString(node1.dir().resolve("home/.bashrc"), "export ZCL_RC=loaded\n");
                    assertThat(lines(n1, show)).last().isEqualTo("loaded");
                }
            }
        }
    }

    @Test
    void aStoppedNodeRefusesConnectionsAndARestartedOneKeepsItsPortAndHostKey() throws Exception {
        Path keyFile = dir.resolve("id_ecdsa");
        KeyPair user = SshKeys.generateKeyFile(keyFile, "test");
        try (OpenSshServers servers = OpenSshServers.start(dir.resolve("sshd"),
                List.of(OpenSshServers.NodeSpec.plain("node-1")), user.getPublic())) {
            OpenSshServers.Node node = servers.node("node-1");
            String line = node.knownHostsLine();

            servers.stop("node-1");
            assertThat(node.isRunning()).isFalse();
            servers.restart("node-1");

            assertThat(node.isRunning()).isTrue();
            assertThat(node.knownHostsLine()).isEqualTo(line);
        }
    }

    private static List<String> lines(SshNodeExecutor ex, String script) throws Exception {
        CommandResult r = ex.run(Command.of("sh", "-c", script)).get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).as("%s %s", r.error(), r.stderr()).isTrue();
        return r.stdout().lines().toList();
    }
}
