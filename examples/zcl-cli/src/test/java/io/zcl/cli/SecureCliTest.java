package io.zcl.cli;

import static io.zcl.cli.Run.zcl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
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

    /**
     * Issue 15, item 3: keygen under {@code umask 000} (a child JVM started by {@code sh -c 'umask
     * 000; exec java ...'}, since a JVM cannot change its own umask) still makes the folder 0700,
     * the public keys 0644 and the secret keys 0600. A public key file left 0666 by an earlier
     * attempt is reset to 0644 too.
     */
    @Test
    void keygenUnderAPermissiveUmaskStillMakesAPrivateFolderAndPrivateSecrets() throws Exception {
        Path keys = tmp.resolve("open-umask").resolve("keys");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("sh", "-c", "umask 000; exec \"$0\" -Xmx64m -cp \"$1\" io.zcl.cli.Zcl keygen "
                + "--dir \"$2\" --name coordinator --name node-1", java, System.getProperty("java.class.path"),
                keys.toString()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(mode(keys.getParent())).as("a folder keygen did not own follows the umask").isEqualTo("rwxrwxrwx");
        assertThat(mode(keys)).isEqualTo("rwx------");
        for (String name : new String[] {"coordinator", "node-1"}) {
            assertThat(mode(keys.resolve(name + ".key"))).as(name).isEqualTo("rw-r--r--");
            assertThat(mode(keys.resolve(name + ".key_secret"))).as(name).isEqualTo("rw-------");
            assertThat(CurveKeys.loadSecret(keys.resolve(name + ".key_secret")).secretKey()).isNotNull();
        }

        Files.writeString(keys.resolve("node-2.key"), "left over\n");
        Files.setPosixFilePermissions(keys.resolve("node-2.key"), PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(zcl("keygen", "--dir", keys.toString(), "--name", "node-2").exit()).isZero();
        assertThat(mode(keys.resolve("node-2.key"))).isEqualTo("rw-r--r--");
    }

    /** Issue 15, item 3: keygen will not write keys into a folder that group or others can write. */
    @Test
    void keygenRefusesAFolderThatOthersCanWrite() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run run = zcl("keygen", "--dir", open.toString(), "--name", "node-1");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("zcl: key folder " + open + " has mode 0777: group or others could replace the "
                + "keys in it; run chmod go-w " + open + " (or chmod 700), or pick a new folder\n");
        try (var files = Files.list(open)) {
            assertThat(files).isEmpty();
        }
    }

    /**
     * Issue 15, item 3: a secret key file that group or others may read is refused with one line
     * naming the fix, as OpenSSH does; {@code chmod 600} makes it load.
     */
    @Test
    void aSecretKeyReadableByOthersIsRefusedWithChmod600() throws Exception {
        Path keys = tmp.resolve("keys");
        assertThat(zcl("keygen", "--dir", keys.toString(), "--name", "coordinator", "--name", "node-1").exit()).isZero();
        Path secret = keys.resolve("node-1.key_secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> CurveKeys.loadSecret(secret)).hasMessage("secret key file " + secret
                + " has mode 0644, readable or writable by group or others: run chmod 600 " + secret);
        Run agent = zcl("agent", "--coordinator", "tcp://127.0.0.1:1", "--node-id", "node-1",
                "--curve-secret", secret.toString(), "--coordinator-key", keys.resolve("coordinator.key").toString());
        assertThat(agent.exit()).isEqualTo(1);
        assertThat(agent.err()).isEqualTo("zcl: secret key file " + secret + " has mode 0644, readable or writable by "
                + "group or others: run chmod 600 " + secret + "\n");

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        assertThat(CurveKeys.loadSecret(secret).secretKey()).isNotNull();
    }

    private static String mode(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
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
