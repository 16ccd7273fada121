package io.zcl.runner.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.run.Progress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event stream over real sockets: snapshot then updates, late joiners, a publisher restart. */
class EventStreamTest {

    private static TestResult result(String test, List<String> nodes, TestResult.Verdict verdict, double bw) {
        return new TestResult("run-1", test, "leaf_to_leaf_pairs", 0, nodes, verdict, Map.of("busbw_gbps", bw),
                verdict == TestResult.Verdict.PASS ? List.of() : List.of(nodes.get(1)),
                verdict == TestResult.Verdict.PASS ? "" : "avg busbw 12.00 GB/s < threshold 100.00 GB/s",
                List.of("c1"), Instant.now(), 42, "zmq");
    }

    /** The state without the fields that depend on when it is looked at. */
    private static ObjectNode stable(ClusterState s) {
        ObjectNode o = s.toJson();
        o.remove("last_event_at");
        ((ObjectNode) o.path("progress")).remove("elapsed_ms");
        ((ObjectNode) o.path("progress")).remove("eta_ms");
        return o;
    }

    @Test
    void aLateSubscriberGetsTheSnapshotThenTheSameUpdatesAsAnEarlyOne() {
        try (EventPublisher pub = new EventPublisher("tcp://127.0.0.1:*")) {
            String endpoint = pub.start();
            try (EventSubscriber early = new EventSubscriber(endpoint, (s, e) -> { }).start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> early.snapshots() == 1);
                pub.cluster(ClusterDescriptor.simulated(4, 2));
                pub.nodeUp("node-1", null, false);
                pub.nodeUp("node-3", null, false);
                pub.commandStarted("node-1", "c1");
                pub.groupFinished(result("nccl_all_reduce", List.of("node-1", "node-3"), TestResult.Verdict.FAIL, 12.0),
                        new Progress(2, 1, 1, 0, 1, 0, 0));
                await().atMost(Duration.ofSeconds(10)).until(() -> early.state().seq() >= 5);

                try (EventSubscriber late = new EventSubscriber(endpoint, (s, e) -> { }).start()) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> late.snapshots() == 1);
                    assertThat(late.state().seq()).isGreaterThanOrEqualTo(5);
                    pub.commandFinished("node-1", CommandResult.failed("c1", "node-1", CommandResult.Status.NODE_LOST,
                            Instant.now(), Duration.ofMillis(1500), "gone"));
                    pub.nodeLost("node-3", "silent for 3000 ms");
                    long target = pub.published();
                    await().atMost(Duration.ofSeconds(10)).until(() -> early.state().seq() >= target && late.state().seq() >= target);
                    assertThat(stable(late.state())).isEqualTo(stable(early.state()));
                    assertThat(late.gaps()).isZero();
                }
                ObjectNode s = early.state().toJson();
                assertThat(s.path("nodes")).hasSize(4);
                assertThat(s.path("nodes").get(0).path("view").asText()).isEqualTo("up");
                assertThat(s.path("nodes").get(2).path("view").asText()).isEqualTo("lost");
                assertThat(s.path("nodes").get(2).path("leaf").asText()).isEqualTo("leaf-2");
                assertThat(s.path("results").get(0).path("reason").asText()).contains("threshold");
                assertThat(s.path("heatmap").path("nccl_all_reduce").path("leaf-1|leaf-2").path("last").asDouble()).isEqualTo(12.0);
                assertThat(s.path("latency").path("zmq").path("count").asLong()).isEqualTo(1);
                assertThat(pub.snapshotsSent()).isEqualTo(2);
            }
        }
    }

    @Test
    void aSubscriberFollowsAPublisherThatRestartsOnTheSamePort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String endpoint = "tcp://127.0.0.1:" + port;
        EventSubscriber sub = new EventSubscriber(endpoint, (s, e) -> { }).start();
        try (sub) {
            try (EventPublisher first = new EventPublisher(endpoint)) {
                first.start();
                first.nodeUp("node-1", null, false);
                first.nodeUp("node-2", null, false);
                await().atMost(Duration.ofSeconds(20)).until(() -> sub.state().toJson().path("nodes").size() == 2);
            }
            try (EventPublisher second = new EventPublisher(endpoint)) {
                second.start();
                second.nodeUp("node-9", null, false);
                // The SUB socket reconnects and subscribes again, which brings the new publisher's snapshot.
                await().atMost(Duration.ofSeconds(15)).until(() -> sub.snapshots() >= 2
                        && sub.state().toJson().path("nodes").size() == 1);
                assertThat(sub.state().toJson().path("nodes").get(0).path("id").asText()).isEqualTo("node-9");
                await().atMost(Duration.ofSeconds(5)).until(sub::connected);
            }
        }
    }
}
