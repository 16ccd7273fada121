package io.zcl.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Capability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * A network profile does what zcl-net says it does. Two node containers, one with a profile of
 * 200 ms delay, 1 % loss and 50 mbit/s, one without; a third container measures how long each
 * node's sshd takes to send its first bytes (its banner, which leaves the node, so a delay on the
 * node's egress shows up once). 200 ms is far above the few tens of milliseconds sshd itself takes
 * to answer on a busy machine, so the difference is the delay and not noise.
 */
@Tag("docker")
@ExtendWith(DockerRequirement.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkProfileTest {

    private static final String PROFILE = """
            # test-delay: a delay large enough to measure through sshd's own answer time.
            DELAY_MS=200
            JITTER_MS=0
            LOSS_PCT=1
            RATE=50mbit
            """;
    private static final Logger LOG = LoggerFactory.getLogger(NetworkProfileTest.class);
    private static final Pattern MILLIS = Pattern.compile("(\\d+) ms");

    private Network network;
    private final List<GenericContainer<?>> containers = new ArrayList<>();
    private GenericContainer<?> client;
    private GenericContainer<?> delayed;

    @BeforeAll
    void start() throws Exception {
        network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(ZclCluster.LABEL, "true"))).build();
        // Named "coordinator" so the nodes' agents resolve it (and retry) rather than exit.
        client = container("coordinator").withCommand("sleep", "infinity");
        client.start();
        Container.ExecResult key = client.execInContainer("sh", "-c",
                "ssh-keygen -q -t ecdsa -N '' -f /tmp/key && cat /tmp/key.pub");
        delayed = node("node-delayed", key.getStdout())
                .withCopyToContainer(Transferable.of(PROFILE), "/etc/zcl/network-configs/test-delay.conf")
                .withEnv("ZCL_NET_PROFILE", "test-delay");
        GenericContainer<?> plain = node("node-plain", key.getStdout());
        Startables.deepStart(delayed, plain).join();
    }

    @AfterAll
    void stop() {
        containers.forEach(GenericContainer::stop);
        if (network != null) {
            network.close();
        }
    }

    @Test
    void theProfilesDelayIsReallyThereAndEachSettingSaysHowItWasApplied() throws Exception {
        long plain = fastestBannerMillis("node-plain");
        long slow = fastestBannerMillis("node-delayed");
        LOG.info("sshd banner, fastest of 7: node-plain {} ms, node-delayed (200 ms profile) {} ms", plain, slow);
        assertThat(slow - plain).as("banner from node-delayed %d ms, from node-plain %d ms", slow, plain)
                .isBetween(170L, 800L);

        String log = delayed.getLogs();
        boolean netem = delayed.execInContainer("zcl-net", "netem-active").getExitCode() == 0;
        if (netem) {
            assertThat(log).contains("delay 200 ms: tc netem");
        } else {
            assertThat(log).contains("delay 200 ms: not by the kernel (no sch_netem)")
                    .contains("delay-proxy: 0.0.0.0:22 -> 127.0.0.1:2222, down direction delayed 200 ms")
                    .contains("delay-proxy: 127.0.0.1:5555 -> coordinator:5555, up direction delayed 200 ms")
                    .contains("loss 1 %: iptables -m statistic")
                    .contains("rate 50mbit: tc tbf");
            String rules = delayed.execInContainer("zcl-net", "show").getStdout();
            assertThat(rules).contains("tbf").contains("rate 50Mbit")
                    .containsPattern("--probability 0\\.(01|0099)"); // iptables prints the float it stores
        }
    }

    /** The quickest of 7 connects: the least disturbed by whatever else the machine is doing. */
    private long fastestBannerMillis(String host) throws Exception {
        String script = "for i in 1 2 3 4 5 6 7; do s=$(date +%s%N); exec 3<>/dev/tcp/" + host + "/22; "
                + "head -c 4 <&3 >/dev/null; exec 3<&-; e=$(date +%s%N); echo \"$(( (e - s) / 1000000 )) ms\"; done";
        Container.ExecResult r = client.execInContainer("bash", "-c", script);
        assertThat(r.getExitCode()).as(r.getStderr()).isZero();
        long best = Long.MAX_VALUE;
        Matcher m = MILLIS.matcher(r.getStdout());
        while (m.find()) {
            best = Math.min(best, Long.parseLong(m.group(1)));
        }
        assertThat(best).as("timings from %s: %s", host, r.getStdout()).isLessThan(Long.MAX_VALUE);
        return best;
    }

    private GenericContainer<?> container(String alias) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(DockerRequirement.IMAGE))
                .withNetwork(network)
                .withNetworkAliases(alias)
                .withLabels(Map.of(ZclCluster.LABEL, alias))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withHostName(alias);
                    cmd.getHostConfig().withInit(true).withCapAdd(Capability.NET_ADMIN);
                });
        containers.add(c);
        return c;
    }

    /** A node whose agent has no coordinator to reach: only its sshd and its network matter here. */
    private GenericContainer<?> node(String alias, String authorizedKey) {
        return container(alias)
                .withEnv(Map.of("ZCL_NODE_ID", alias,
                        "ZCL_JAVA_OPTS", "-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"))
                .withCopyToContainer(Transferable.of(authorizedKey), "/etc/zcl/ssh/authorized_keys")
                // Keys, so the agent starts (it refuses a non-loopback coordinator without them).
                .withCopyToContainer(ZclCluster.keyFile(io.zcl.runner.zmq.CurveKeys.generate(), alias, true),
                        ZclCluster.CURVE_DIR + "/node.key_secret")
                .withCopyToContainer(ZclCluster.keyFile(io.zcl.runner.zmq.CurveKeys.generate(), "coordinator", false),
                        ZclCluster.CURVE_DIR + "/coordinator.key")
                .withCommand("zcl-node")
                .waitingFor(Wait.forLogMessage(".*zcl agent " + alias + ": connecting to .*\\n", 1)
                        .withStartupTimeout(Duration.ofSeconds(90)));
    }
}
