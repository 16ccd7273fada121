package io.zcl.runner.ssh;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Tag;

/**
 * The executor's contract against real OpenSSH sshd (started by the test on a loopback port).
 * Skipped where sshd is not installed, failed instead when ZCL_CI=true.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("slow")
class SshNodeExecutorOpenSshTest extends SshExecutorContract {

    @BeforeAll
    void needsSshd() {
        Requirements.openSshServer();
    }

    @Override
    protected Server startServer(KeyPair userKey, int maxSessions, Path dir) {
        Requirements.openSshServer(); // also here: the contract starts its shared server before any @BeforeEach
        OpenSshServers.NodeSpec spec = new OpenSshServers.NodeSpec("node", Map.of(), null,
                maxSessions == 0 ? 10 : maxSessions);
        OpenSshServers servers = OpenSshServers.start(dir, List.of(spec), userKey.getPublic());
        OpenSshServers.Node node = servers.node("node");
        return new Server() {
            @Override
            public String host() {
                return node.host();
            }

            @Override
            public int port() {
                return node.port();
            }

            @Override
            public String knownHostsLine() {
                return node.knownHostsLine();
            }

            @Override
            public void stop() {
                servers.stop("node");
            }

            @Override
            public void restart() {
                servers.restart("node");
            }

            @Override
            public void close() {
                servers.close();
            }
        };
    }
}
