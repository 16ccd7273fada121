package io.zcl.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.TestResult;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A coordinator and three node containers (node-1, node-2 on leaf-1; node-3 on leaf-2) run the
 * default plan: over ZeroMQ, with every result in the journal once; then over SSH against the
 * same nodes' sshd, with the same results figure by figure.
 */
@Tag("docker")
@ExtendWith(DockerRequirement.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRunTest {

    private static final int NODES = 3;

    private ZclCluster cluster;
    private ZclRun zmqRun;

    @BeforeAll
    void startCluster() {
        cluster = new ZclCluster(NODES, 0.01);
        cluster.start();
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.stop();
        }
    }

    @Test
    @Order(1)
    void theDefaultPlanOverZeroMqJournalsEveryResultOnce() {
        ZclRun run = zmqRun();

        assertThat(run.exitCode()).as(() -> run.describe() + cluster.tailLogs(20)).isZero();
        assertThat(run.journal().badLines()).isEmpty();
        for (int i = 1; i <= NODES; i++) {
            String node = ZclCluster.nodeId(i);
            assertThat(run.eventsOf(node, NodeEvent.Kind.UP)).as("%s connected", node).isNotEmpty();
            assertThat(run.resultsOn(node).stream().filter(r -> r.test().equals("gpu_burn")))
                    .as("gpu_burn on %s", node).hasSize(1);
        }
        assertThat(run.results()).as(run::describe).isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.verdict()).as(r.key() + ": " + r.reason()).isEqualTo(TestResult.Verdict.PASS);
                    assertThat(r.transport()).isEqualTo("zmq");
                });
        assertThat(run.journal().resultKeys()).as("no result twice").hasSize(run.results().size());
        assertThat(run.reportedResults()).as("the RESULT line agrees with the journal").contains(run.results().size());
        // Both leaves took part: the leaf-to-leaf schedules paired node-3 (leaf-2) with a leaf-1 node.
        assertThat(run.results()).anySatisfy(r -> assertThat(r.nodes()).contains("node-3").hasSizeGreaterThan(1));
    }

    @Test
    @Order(2)
    void theSamePlanOverSshGivesTheSameResults() {
        // zcl run has had --transport ssh for a while: only an image older than that lacks it.
        DockerRequirement.require(cluster.hasSshTransport(), "the image " + DockerRequirement.IMAGE
                + " has a zcl run without --transport ssh (an old image: docker/build-image.sh)");
        ZclRun zmq = zmqRun();
        ZclRun ssh = cluster.runOverSsh("/runs/ssh");

        assertThat(ssh.exitCode()).as(() -> ssh.describe() + cluster.tailLogs(20)).isZero();
        assertThat(ssh.results()).allSatisfy(r -> assertThat(r.transport()).isEqualTo("ssh"));
        // Same nodes, same tools, same profile and seed: the transports must not change a figure.
        assertThat(outcomes(ssh)).isEqualTo(outcomes(zmq));
    }

    private ZclRun zmqRun() {
        if (zmqRun == null) {
            zmqRun = cluster.runOverZmq("/runs/zmq");
        }
        return zmqRun;
    }

    /** Result key -> verdict and figures. */
    private static Map<String, String> outcomes(ZclRun run) {
        return run.results().stream().collect(Collectors.toMap(TestResult::key,
                r -> r.verdict() + " " + r.metrics(), (a, b) -> a + " | DUPLICATE " + b));
    }
}
