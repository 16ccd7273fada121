package io.zcl.cli;

import static io.zcl.cli.Run.zcl;
import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/** ./zcl keygen, and the rule: CURVE off loopback, plaintext only on loopback and only with --insecure. */
@Timeout(60)
@Tag("slow")
class SecureCliTest {

    @TempDir
    Path tmp;

    private Path cluster() throws Exception {
        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, "nodes:\n  - { id: node-1, host: 127.0.0.1, leaf: l1 }\n");
        return cluster;
    }

    @Test
    void keygenWritesAPublicFileAndAPrivateSecretFilePerName() throws Exception {
        Path keys = tmp.resolve("keys");
        Run run = zcl("keygen", "--dir", keys.toString(), "--name", "coordinator", "--name", "node-1");
        assertThat(run.exit()).as(run.err()).isZero();
        CurveKeys c = CurveKeys.loadSecret(keys.resolve("coordinator.key_secret"));
        assertThat(run.out()).contains("coordinator: public key " + c.publicKey());
        assertThat(CurveKeys.loadPublic(keys.resolve("coordinator.key"))).isEqualTo(c.publicOnly());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("node-1.key_secret"))))
                .isEqualTo("rw-------");
        Run again = zcl("keygen", "--dir", keys.toString(), "--name", "node-1");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("exists already");
    }

    @Test
    void insecureIsRefusedOffLoopback() throws Exception {
        Run agent = zcl("agent", "--coordinator", "tcp://10.0.0.1:5555", "--node-id", "node-1", "--insecure");
        assertThat(agent.exit()).isEqualTo(1);
        assertThat(agent.err().strip()).startsWith("zcl: tcp://10.0.0.1:5555 is not a loopback endpoint")
                .contains("--curve-secret FILE --coordinator-key FILE").contains("--insecure is accepted only for");
        Run run = zcl("run", "--cluster", cluster().toString(), "--bind", "tcp://*:5555", "--insecure",
                "--runs-dir", tmp.resolve("runs").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).startsWith("zcl: tcp://*:5555 is not a loopback endpoint")
                .contains("--curve-secret FILE --allow-keys DIR");
    }

    @Test
    void noKeysOffLoopbackIsRefusedAndOnLoopbackAsksForInsecureOrKeys() throws Exception {
        Run offLoopback = zcl("agent", "--coordinator", "tcp://coordinator:5555", "--node-id", "node-1");
        assertThat(offLoopback.exit()).isEqualTo(1);
        assertThat(offLoopback.err()).contains("is not a loopback endpoint").contains("./zcl keygen");
        Run loopback = zcl("run", "--cluster", cluster().toString(), "--runs-dir", tmp.resolve("runs").toString());
        assertThat(loopback.exit()).isEqualTo(1);
        assertThat(loopback.err().strip()).isEqualTo("zcl: no CURVE keys given: pass --curve-secret FILE --allow-keys DIR "
                + "(make them with ./zcl keygen), or --insecure for a plaintext demo on tcp://127.0.0.1:5555");
        Run half = zcl("agent", "--coordinator", "tcp://127.0.0.1:5555", "--node-id", "node-1",
                "--curve-secret", "x.key_secret");
        assertThat(half.err()).contains("--curve-secret and --coordinator-key go together");
        Run both = zcl("agent", "--coordinator", "tcp://127.0.0.1:5555", "--node-id", "node-1", "--insecure",
                "--curve-secret", "x.key_secret", "--coordinator-key", "c.key");
        assertThat(both.err()).contains("exclude each other");
    }

    @Test
    void anAgentWithAKeyTheCoordinatorDoesNotKnowExitsWithTheReason() throws Exception {
        Path keys = tmp.resolve("keys");
        assertThat(zcl("keygen", "--dir", keys.toString(), "--name", "coordinator", "--name", "node-1").exit()).isZero();
        Path allowed = Files.createDirectories(tmp.resolve("allowed")); // node-1.key not copied here
        try (ZmqCoordinator c = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"))
                .secure(new Curve.Server(CurveKeys.loadSecret(keys.resolve("coordinator.key_secret")),
                        KeyAllowList.folder(allowed)))) {
            String endpoint = c.start();
            Run run = zcl("agent", "--coordinator", endpoint, "--node-id", "node-1", "--connect-timeout", "10s",
                    "--curve-secret", keys.resolve("node-1.key_secret").toString(),
                    "--coordinator-key", keys.resolve("coordinator.key").toString());
            assertThat(run.exit()).isEqualTo(3);
            assertThat(run.out()).contains("(CURVE, ");
            assertThat(run.err()).contains("refused this agent's key");
            assertThat(c.handshakesRefused()).isPositive();
            assertThat(c.upNodes()).isEmpty();
        }
    }
}
