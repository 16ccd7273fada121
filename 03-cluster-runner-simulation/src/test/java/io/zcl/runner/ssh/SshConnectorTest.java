package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.ssh.SshSettings.HostKeyPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Host-key checking details beyond the executor contract. */
@Timeout(30)
class SshConnectorTest {

    @TempDir
    Path dir;

    /**
     * known_hosts written by OpenSSH often holds one key type per host (Ed25519 by default);
     * a server offering this client another type has a new key, not a changed one.
     */
    @Test
    void aHostKnownOnlyByAnotherKeyTypeIsUnknownNotChanged() throws Exception {
        Path keyFile = dir.resolve("id_ecdsa");
        KeyPair user = SshKeys.generateKeyFile(keyFile, "test");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        try (EmbeddedSshServer server = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic()))) {
            Path knownHosts = dir.resolve("known_hosts");
            String rsaLine = "[127.0.0.1]:" + server.port() + " " + PublicKeyEntry.toString(rsa.generateKeyPair().getPublic());
            Files.writeString(knownHosts, rsaLine + "\n");
            SshSettings strict = SshSettings.defaults(System.getProperty("user.name"), keyFile, knownHosts);

            try (SshConnector connector = new SshConnector(strict)) {
                assertThatThrownBy(() -> connector.connect(server.host(), server.port()))
                        .isInstanceOf(SshConnectException.class)
                        .hasMessageContaining("with ssh-rsa keys only")
                        .satisfies(e -> assertThat(((SshConnectException) e).kind())
                                .isEqualTo(SshConnectException.Kind.HOST_KEY_UNKNOWN));
            }
            try (SshConnector connector = new SshConnector(strict.withHostKeyPolicy(HostKeyPolicy.ACCEPT_NEW))) {
                connector.connect(server.host(), server.port()).close(true);
            }
            assertThat(Files.readAllLines(knownHosts)).contains(rsaLine, server.knownHostsLine());
        }
    }
}
