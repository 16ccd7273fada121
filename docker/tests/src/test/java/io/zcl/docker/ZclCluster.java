package io.zcl.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.zmq.CurveKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The compose cluster of docker/ as Testcontainers: one coordinator container and N node
 * containers on a network of their own, from the same image and the same cluster file
 * (docker/gen-cluster.sh) that docker-compose uses. The coordinator idles; each run is a
 * {@code zcl run} executed in it. Nodes run {@code zcl-node}: the agent with the emulated tools,
 * and sshd with a key the coordinator generated, so both transports reach the same nodes.
 *
 * <p>Ryuk is off (it is an image to pull, and nothing can be pulled here), so {@link #stop()}
 * removes every container and the network; .ci/docker.sh also sweeps by the {@value #LABEL} label.
 */
final class ZclCluster implements Startable {

    /** Set on every container and network the tests create. */
    static final String LABEL = "io.zcl.docker-tests";

    private static final Path GEN_CLUSTER = Path.of("..", "gen-cluster.sh");
    private static final String SSH_DIR = "/etc/zcl/ssh";
    /** Where zcl-node looks for node.key_secret and coordinator.key; the coordinator's keys too. */
    static final String CURVE_DIR = "/etc/zcl/curve";
    /** The coordinator's CURVE options, matching the files copied in by start(). */
    static final List<String> CURVE_RUN_ARGS = List.of("--curve-secret", CURVE_DIR + "/coordinator.key_secret",
            "--allow-keys", CURVE_DIR + "/agents");

    private final int nodeCount;
    private final double timeScale;
    private final String clusterYaml;
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zcl-run-exec");
        t.setDaemon(true);
        return t;
    });
    private Network network;
    private GenericContainer<?> coordinator;
    private final List<GenericContainer<?>> nodes = new ArrayList<>();

    /**
     * @param nodeCount nodes, two per leaf (node-1..2 on leaf-1, node-3.. on leaf-2)
     * @param timeScale share of the emulated tools' modelled run time really waited
     */
    ZclCluster(int nodeCount, double timeScale) {
        this.nodeCount = nodeCount;
        this.timeScale = timeScale;
        this.clusterYaml = generateClusterFile(nodeCount);
    }

    @Override
    public void start() {
        network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(LABEL, "true"))).build();
        coordinator = new GenericContainer<>(DockerImageName.parse(DockerRequirement.IMAGE))
                .withNetwork(network)
                .withNetworkAliases("coordinator")
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withHostName("coordinator");
                    // NET_ADMIN: a partition is cut on both ends (see partition).
                    cmd.getHostConfig().withInit(true).withCapAdd(Capability.NET_ADMIN);
                })
                .withLabels(Map.of(LABEL, "coordinator"))
                .withEnv("ZCL_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC")
                .withCopyToContainer(Transferable.of(clusterYaml), "/etc/zcl/cluster.yaml")
                .withCommand("sleep", "infinity");
        // CURVE: the coordinator's key pair, and one per node whose public half is allow-listed.
        CurveKeys coordinatorKeys = CurveKeys.generate();
        coordinator.withCopyToContainer(keyFile(coordinatorKeys, "coordinator", true), CURVE_DIR + "/coordinator.key_secret");
        List<CurveKeys> nodeKeys = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            CurveKeys k = CurveKeys.generate();
            nodeKeys.add(k);
            coordinator.withCopyToContainer(keyFile(k, nodeId(i), false), CURVE_DIR + "/agents/" + nodeId(i) + ".key");
        }
        coordinator.start();
        exec(coordinator, "sh", "-c", "mkdir -p " + SSH_DIR + " && ssh-keygen -q -t ecdsa -N '' -C zcl-coordinator -f "
                + SSH_DIR + "/id_ecdsa");
        String userKey = exec(coordinator, "cat", SSH_DIR + "/id_ecdsa.pub");

        for (int i = 1; i <= nodeCount; i++) {
            String id = nodeId(i);
            String leaf = "leaf-" + ((i - 1) / 2 + 1);
            nodes.add(new GenericContainer<>(DockerImageName.parse(DockerRequirement.IMAGE))
                    .withNetwork(network)
                    .withNetworkAliases(id)
                    .withCreateContainerCmdModifier(cmd -> {
                        cmd.withHostName(id);
                        cmd.getHostConfig().withInit(true).withCapAdd(Capability.NET_ADMIN);
                    })
                    .withLabels(Map.of(LABEL, "node", "io.zcl.node-id", id, "io.zcl.leaf", leaf))
                    .withEnv(Map.of("ZCL_NODE_ID", id, "ZCL_COORDINATOR", "tcp://coordinator:5555",
                            "ZCL_TIME_SCALE", Double.toString(timeScale),
                            "ZCL_JAVA_OPTS", "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"))
                    .withCopyToContainer(Transferable.of(userKey), SSH_DIR + "/authorized_keys")
                    .withCopyToContainer(keyFile(nodeKeys.get(i - 1), id, true), CURVE_DIR + "/node.key_secret")
                    .withCopyToContainer(keyFile(coordinatorKeys, "coordinator", false), CURVE_DIR + "/coordinator.key")
                    .withCommand("zcl-node")
                    .waitingFor(Wait.forLogMessage(".*zcl agent " + id + ": connecting to .*\\n", 1)
                            .withStartupTimeout(Duration.ofSeconds(90))));
        }
        Startables.deepStart(nodes).join();

        // The coordinator checks every node's host key (strict, as on a real cluster).
        StringBuilder knownHosts = new StringBuilder();
        for (int i = 1; i <= nodeCount; i++) {
            knownHosts.append(nodeId(i)).append(' ')
                    .append(exec(node(i), "cut", "-d", " ", "-f1,2", "/etc/ssh/ssh_host_ecdsa_key.pub").strip())
                    .append('\n');
        }
        coordinator.copyFileToContainer(Transferable.of(knownHosts.toString()), SSH_DIR + "/known_hosts");
    }

    @Override
    public void stop() {
        runner.shutdownNow();
        for (GenericContainer<?> node : nodes) {
            unpauseIfPaused(node);
            node.stop();
        }
        nodes.clear();
        if (coordinator != null) {
            coordinator.stop();
        }
        if (network != null) {
            network.close();
        }
    }

    /** A key file as zcl keygen writes it: the secret one (mode 0600) or the public one. */
    static Transferable keyFile(CurveKeys keys, String name, boolean secret) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("zcl-keys-");
            Path file = keys.save(dir, name);
            if (!secret) {
                file = dir.resolve(name + CurveKeys.PUBLIC_SUFFIX);
            }
            return Transferable.of(Files.readAllBytes(file), secret ? 0600 : 0644);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                io.zcl.runner.sim.TempDirs.deleteTree(dir);
            }
        }
    }

    static String nodeId(int i) {
        return "node-" + i;
    }

    static List<String> nodeIds(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(ZclCluster::nodeId).toList();
    }

    GenericContainer<?> node(int i) {
        return nodes.get(i - 1);
    }

    /** Runs {@code zcl run} in the coordinator until it exits; runsDir keeps each run's folder apart. */
    ZclRun run(String runsDir, String... args) {
        return ZclRun.in(coordinator, runsDir, List.of(args));
    }

    /** {@link #run} on another thread, so a test can inject faults while it goes on. */
    CompletableFuture<ZclRun> startRun(String runsDir, String... args) {
        return CompletableFuture.supplyAsync(() -> run(runsDir, args), runner);
    }

    ZclRun runOverZmq(String runsDir, String... args) {
        List<String> argv = new ArrayList<>(List.of("--bind", "tcp://*:5555"));
        argv.addAll(CURVE_RUN_ARGS);
        argv.addAll(List.of(args));
        return run(runsDir, argv.toArray(String[]::new));
    }

    CompletableFuture<ZclRun> startRunOverZmq(String runsDir, String... args) {
        List<String> argv = new ArrayList<>(List.of("--bind", "tcp://*:5555"));
        argv.addAll(CURVE_RUN_ARGS);
        argv.addAll(List.of(args));
        return startRun(runsDir, argv.toArray(String[]::new));
    }

    ZclRun runOverSsh(String runsDir, String... args) {
        List<String> argv = new ArrayList<>(List.of("--transport", "ssh", "--user", "root",
                "--identity", SSH_DIR + "/id_ecdsa", "--known-hosts", SSH_DIR + "/known_hosts"));
        argv.addAll(List.of(args));
        return run(runsDir, argv.toArray(String[]::new));
    }

    /** Writes a file into the coordinator container (a plan, for instance). */
    void putOnCoordinator(String text, String path) {
        coordinator.copyFileToContainer(Transferable.of(text), path);
    }

    /** Whether this image's zcl has the SSH transport ({@code zcl run --transport ssh}). */
    boolean hasSshTransport() {
        return exec(coordinator, "zcl", "run", "--help").contains("--transport");
    }

    /** The journal of the newest run under runsDir as it is now (empty before the run starts). */
    JournalContents journal(String runsDir) {
        return ZclRun.journal(coordinator, runsDir);
    }

    /** docker kill: the node's processes die at once, no BYE, no FIN from a process that exits cleanly. */
    void kill(int i) {
        docker().killContainerCmd(node(i).getContainerId()).exec();
    }

    /** docker pause: the node's processes freeze (cgroup freezer); its sockets stay open but silent. */
    void pause(int i) {
        docker().pauseContainerCmd(node(i).getContainerId()).exec();
    }

    /**
     * Cuts the node off from the coordinator both ways: each end drops what arrives from the other
     * (iptables), so packets vanish in transit as in a real partition, and no sender gets an error.
     */
    void partition(int i) {
        exec(node(i), "zcl-net", "partition", "coordinator");
        exec(coordinator, "zcl-net", "partition", nodeId(i));
    }

    void heal(int i) {
        exec(coordinator, "zcl-net", "heal");
        exec(node(i), "zcl-net", "heal");
    }

    /** Undoes any fault: unpauses, restarts a killed node (its agent starts afresh), heals partitions. */
    void repair() {
        exec(coordinator, "zcl-net", "heal");
        for (GenericContainer<?> node : nodes) {
            unpauseIfPaused(node);
            InspectContainerResponse.ContainerState state = docker().inspectContainerCmd(node.getContainerId()).exec().getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                docker().startContainerCmd(node.getContainerId()).exec();
            } else {
                exec(node, "zcl-net", "heal");
            }
        }
    }

    /** The last lines of every container's log, for failure messages. */
    String tailLogs(int lines) {
        StringBuilder out = new StringBuilder();
        List<GenericContainer<?>> all = new ArrayList<>();
        all.add(coordinator);
        all.addAll(nodes);
        for (GenericContainer<?> c : all) {
            if (c == null || c.getContainerId() == null) {
                continue;
            }
            List<String> log = c.getLogs().lines().toList();
            out.append("\n--- log of ").append(c.getNetworkAliases().get(c.getNetworkAliases().size() - 1)).append('\n');
            log.subList(Math.max(0, log.size() - lines), log.size()).forEach(l -> out.append(l).append('\n'));
        }
        return out.toString();
    }

    private void unpauseIfPaused(GenericContainer<?> node) {
        if (node.getContainerId() == null) {
            return;
        }
        InspectContainerResponse.ContainerState state = docker().inspectContainerCmd(node.getContainerId()).exec().getState();
        if (Boolean.TRUE.equals(state.getPaused())) {
            docker().unpauseContainerCmd(node.getContainerId()).exec();
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    private static String exec(GenericContainer<?> container, String... argv) {
        try {
            Container.ExecResult r = container.execInContainer(argv);
            if (r.getExitCode() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed with exit " + r.getExitCode()
                        + ": " + r.getStderr() + r.getStdout());
            }
            return r.getStdout();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + String.join(" ", argv), e);
        }
    }

    /** The cluster file docker-compose uses too, from docker/gen-cluster.sh. */
    private static String generateClusterFile(int nodeCount) {
        if (!Files.isRegularFile(GEN_CLUSTER)) {
            throw new IllegalStateException(GEN_CLUSTER.toAbsolutePath() + " not found: run the tests from docker/tests");
        }
        Path out = null;
        Process p = null;
        try {
            out = Files.createTempDirectory("zcl-gen-cluster-");
            p = new ProcessBuilder("bash", GEN_CLUSTER.toString(), "--nodes", Integer.toString(nodeCount),
                    "--out", out.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("gen-cluster.sh failed: " + output);
            }
            String yaml = Files.readString(out.resolve("cluster.yaml"));
            Files.deleteIfExists(out.resolve("cluster.yaml"));
            Files.deleteIfExists(out.resolve("docker-compose.yml"));
            Files.deleteIfExists(out);
            return yaml;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating the cluster file", e);
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }
}
