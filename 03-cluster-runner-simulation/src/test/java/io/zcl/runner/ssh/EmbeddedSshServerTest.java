package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.EmulationEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server as a simulated node: its environment, and the SSH details it shares with sshd. */
@Timeout(30)
class EmbeddedSshServerTest {

    @TempDir
    Path dir;

    KeyPair userKey;
    Path keyFile;

    @BeforeEach
    void key() {
        keyFile = dir.resolve("id_ecdsa");
        userKey = SshKeys.generateKeyFile(keyFile, "test");
    }

    @Test
    void commandsRunWithTheNodesEnvironmentAndItsToolsFirstOnPath() throws Exception {
        Path tools = EmulatedTools.install(dir.resolve("tools"));
        Path home = Files.createDirectories(dir.resolve("home"));
        EmbeddedSshServer.Settings settings = EmbeddedSshServer.Settings.forKey(userKey.getPublic())
                .withEnv(Map.of(EmulationEnv.HOSTNAME, "gpu-node-7"), tools).withHome(home);
        try (EmbeddedSshServer server = EmbeddedSshServer.start(settings);
             SshNodeExecutor ex = SshNodeExecutor.open("node-7", server.host(), server.port(), trusting(server))) {
            CommandResult r = ex.run(Command.of("sh", "-c",
                    "echo \"$" + EmulationEnv.HOSTNAME + "\"; command -v gpu_burn; pwd; echo \"$HOME\""))
                    .get(10, TimeUnit.SECONDS);

            assertThat(r.stdout().lines().toList()).containsExactly("gpu-node-7", tools.resolve("gpu_burn").toString(),
                    home.toRealPath().toString(), home.toString());
            assertThat(server.commandsStarted()).isEqualTo(1);
        }
    }

    @Test
    void aSignalRequestReachesTheProcessTheServerStarted() throws Exception {
        try (EmbeddedSshServer server = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(userKey.getPublic()));
             SshConnector connector = new SshConnector(trusting(server))) {
            ClientSession session = connector.connect(server.host(), server.port());
            ChannelExec ch = session.createExecChannel("exec sleep 30");
            ch.open().verify(5_000);

            Buffer signal = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 32);
            signal.putUInt(ch.getRecipient());
            signal.putString("signal");
            signal.putBoolean(false);
            signal.putString("TERM");
            ch.writePacket(signal);

            assertThat(ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 10_000)).contains(ClientChannelEvent.CLOSED);
            assertThat(ch.getExitStatus()).isEqualTo(143);
        }
    }

    @Test
    void channelsBeyondMaxSessionsAreRefusedAsOpenSshRefusesThem() throws Exception {
        try (EmbeddedSshServer server = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(userKey.getPublic())
                .withMaxSessions(1));
             SshConnector connector = new SshConnector(trusting(server))) {
            ClientSession session = connector.connect(server.host(), server.port());
            ChannelExec first = session.createExecChannel("sleep 30");
            first.open().verify(5_000);

            ChannelExec second = session.createExecChannel("true");
            assertThatThrownBy(() -> second.open().verify(5_000)).hasRootCauseInstanceOf(SshChannelOpenException.class)
                    .rootCause().satisfies(e -> assertThat(((SshChannelOpenException) e).getReasonCode())
                            .isEqualTo(SshConstants.SSH_OPEN_CONNECT_FAILED));
            first.close(false).await(5_000);
        }
    }

    private SshSettings trusting(EmbeddedSshServer server) throws Exception {
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, server.knownHostsLine() + "\n");
        return SshSettings.defaults(System.getProperty("user.name"), keyFile, knownHosts);
    }
}
