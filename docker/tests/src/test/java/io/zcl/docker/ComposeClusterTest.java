package io.zcl.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.sim.TempDirs;
import io.zcl.runner.ssh.SshKeys;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.ContainerState;
import org.testcontainers.containers.DockerComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The compose file itself, not a copy of it in Java: docker/gen-cluster.sh writes the 3-node
 * variant of the committed docker/docker-compose.yml (same generator, same services, healthchecks
 * and mounts), docker/gen-keys.sh makes its CURVE keys, and docker-compose (v1, the binary on
 * PATH: Testcontainers' local mode) brings up the coordinator and node-1..3 (not the monitor).
 * Each container must turn healthy by its own healthcheck. Then the default plan runs twice in the
 * coordinator container: over ZeroMQ (the agents the compose file started) and over SSH (the
 * nodes' sshd, with the key and known_hosts written here); both journals must hold the same result
 * keys (test/schedule@nodes) with the same verdicts and figures.
 *
 * <p>Ryuk is off and no service is exposed through Testcontainers (that needs a socat image):
 * {@link #down()} runs docker-compose down, and .ci/docker.sh sweeps containers labelled
 * io.zcl.role and networks labelled io.zcl.cluster.
 */
@Tag("docker")
@ExtendWith(DockerRequirement.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeClusterTest {

    private static final Logger LOG = LoggerFactory.getLogger(ComposeClusterTest.class);
    private static final int NODES = 3;
    private static final Path DOCKER_DIR = Path.of("..");
    private static final List<String> SERVICES = List.of("coordinator", "node-1", "node-2", "node-3");
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(90);

    private Path dir;
    private DockerComposeContainer<?> compose;

    @BeforeAll
    void up() throws IOException {
        DockerRequirement.require(onPath("docker-compose"),
                "docker-compose (v1) is not on PATH: apt-get install docker-compose");
        dir = Files.createTempDirectory("zcl-compose-test-");
        script("gen-cluster.sh", "--nodes", Integer.toString(NODES), "--out", dir.toString());
        script("gen-keys.sh", "--nodes", Integer.toString(NODES), "--out", dir.resolve("curve").toString());
        writeSshKeys(dir.resolve("ssh"));

        compose = new DockerComposeContainer<>(List.of(dir.resolve("docker-compose.yml").toFile()))
                .withPull(false)
                .withEnv(Map.of("ZCL_IMAGE", DockerRequirement.IMAGE, "ZCL_TIME_SCALE", "0.01",
                        "ZCL_SSH_DIR", dir.resolve("ssh").toString(), "ZCL_CURVE_DIR", dir.resolve("curve").toString(),
                        "ZCL_NET_PROFILE", ""))
                .withServices(SERVICES.toArray(String[]::new));
        for (String service : SERVICES) {
            compose.waitingFor(service, Wait.forHealthcheck().withStartupTimeout(HEALTHY_WITHIN));
        }
        long t0 = System.nanoTime();
        try {
            compose.start();
            LOG.info("compose cluster up and healthy in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the compose cluster did not come up healthy: " + e.getMessage()
                    + tailLogs(20), e);
        }
    }

    @AfterAll
    void down() {
        try {
            if (compose != null) {
                compose.stop();
            }
        } finally {
            if (dir != null) {
                TempDirs.deleteTree(dir);
            }
        }
    }

    @Test
    void theComposeClusterRunsThePlanOverZeroMqAndSshWithTheSameResults() {
        ContainerState coordinator = service("coordinator");
        long t0 = System.nanoTime();
        ZclRun zmq = ZclRun.in(coordinator, "/runs/zmq", List.of("--bind", "tcp://*:5555",
                "--curve-secret", "/etc/zcl/curve/coordinator.key_secret", "--allow-keys", "/etc/zcl/curve/agents"));
        LOG.info("zcl run over ZeroMQ took {} ms: {}", (System.nanoTime() - t0) / 1_000_000, zmq.stdout().strip());
        assertThat(zmq.exitCode()).as(() -> zmq.describe() + tailLogs(20)).isZero();
        for (String node : ZclCluster.nodeIds(NODES)) {
            assertThat(zmq.eventsOf(node, NodeEvent.Kind.UP)).as("%s connected", node).isNotEmpty();
        }

        long t1 = System.nanoTime();
        ZclRun ssh = ZclRun.in(coordinator, "/runs/ssh", List.of("--transport", "ssh", "--user", "root",
                "--identity", "/etc/zcl/ssh/id_ecdsa", "--known-hosts", "/etc/zcl/ssh/known_hosts"));
        LOG.info("zcl run over SSH took {} ms: {}", (System.nanoTime() - t1) / 1_000_000, ssh.stdout().strip());
        assertThat(ssh.exitCode()).as(() -> ssh.describe() + tailLogs(20)).isZero();

        for (ZclRun run : List.of(zmq, ssh)) {
            String transport = run == zmq ? "zmq" : "ssh";
            assertThat(run.journal().badLines()).as(transport).isEmpty();
            assertThat(run.results()).as(transport + ": " + run.describe()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.transport()).isEqualTo(transport);
                assertThat(r.verdict()).as(r.key() + ": " + r.reason()).isEqualTo(TestResult.Verdict.PASS);
            });
            assertThat(run.journal().resultKeys()).as(transport + ": no result twice").hasSize(run.results().size());
            assertThat(run.reportedResults()).as(transport + ": the RESULT line agrees with the journal")
                    .contains(run.results().size());
            // Every node of the compose file took part.
            assertThat(run.results().stream().flatMap(r -> r.nodes().stream()).distinct())
                    .as(transport).containsExactlyInAnyOrderElementsOf(ZclCluster.nodeIds(NODES));
        }
        // The same (test, group) keys with the same verdicts and figures over both transports.
        assertThat(outcomes(ssh)).isEqualTo(outcomes(zmq));
    }

    private ContainerState service(String name) {
        return compose.getContainerByServiceName(name)
                .orElseThrow(() -> new IllegalStateException("docker-compose started no " + name));
    }

    /** Result key (test/schedule@nodes) -> verdict and figures, sorted for a readable diff. */
    private static Map<String, String> outcomes(ZclRun run) {
        return run.results().stream().collect(Collectors.toMap(TestResult::key,
                r -> r.verdict() + " " + r.metrics(), (a, b) -> a + " | DUPLICATE " + b, TreeMap::new));
    }

    /**
     * SSH material laid out as the compose file mounts it (as docker/simulate-cluster.sh makes it):
     * the coordinator's user key and known_hosts in ssh/coordinator, one host key for every node
     * and the authorized_keys that lets the coordinator in as root in ssh/node.
     */
    private static void writeSshKeys(Path ssh) throws IOException {
        Path coordinator = Files.createDirectories(ssh.resolve("coordinator"));
        Path node = Files.createDirectories(ssh.resolve("node"));
        KeyPair user = SshKeys.generateKeyFile(coordinator.resolve("id_ecdsa"), "zcl-coordinator");
        KeyPair host = SshKeys.generateKeyFile(node.resolve("ssh_host_ecdsa_key"), "zcl-node");
        Files.writeString(node.resolve("authorized_keys"), SshKeys.publicKeyLine(user.getPublic(), "zcl-coordinator") + "\n");
        StringBuilder knownHosts = new StringBuilder();
        for (String id : ZclCluster.nodeIds(NODES)) {
            knownHosts.append(SshKeys.knownHostsLine(id, 22, host.getPublic())).append('\n');
        }
        Files.writeString(coordinator.resolve("known_hosts"), knownHosts.toString());
    }

    /** Runs one of docker/'s scripts to completion; its output goes into the failure message. */
    private static void script(String name, String... args) {
        Path script = DOCKER_DIR.resolve(name);
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(script.toAbsolutePath() + " not found: run the tests from docker/tests");
        }
        List<String> argv = new ArrayList<>(List.of("bash", script.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("ZCL_IMAGE", DockerRequirement.IMAGE);
        Process p = null;
        try {
            p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + name, e);
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** The last lines of every service's log, for failure messages. */
    private String tailLogs(int lines) {
        StringBuilder out = new StringBuilder();
        for (String name : SERVICES) {
            compose.getContainerByServiceName(name).ifPresent(c -> {
                List<String> log = c.getLogs().lines().toList();
                out.append("\n--- log of ").append(name).append('\n');
                log.subList(Math.max(0, log.size() - lines), log.size()).forEach(l -> out.append(l).append('\n'));
            });
        }
        return out.toString();
    }
}
