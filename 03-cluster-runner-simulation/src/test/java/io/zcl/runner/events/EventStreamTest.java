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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** The event stream over real sockets: snapshot then updates, late joiners, a publisher restart. */
@Tag("slow")
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
                await().atMost(Duration.ofSeconds(30)).until(sub::connected);
            }
        }
    }

    /**
     * ZeroMQ RFC 29 (PUB-SUB), for a publisher: "SHALL silently drop the message if the queue for a
     * subscriber is full." A monitor that falls behind therefore loses updates without being told;
     * the sequence numbers tell it. Small high-water marks on both sides and a subscriber held still
     * while more updates go out than the kernel's loopback buffers hold force the drop; once let go, the
     * subscriber sees the gap, asks for a new snapshot and ends with the same state as a monitor
     * that joined afterwards.
     */
    /** About 25 MB of updates: more than loopback TCP buffers (a few MB) and the two high-water marks hold. */
    private static final int UPDATES_WHILE_HELD = 200_000;

    @Test
    void aSubscriberThatFallsBehindSeesTheGapAndCatchesUpFromANewSnapshot() throws Exception {
        try (EventPublisher pub = new EventPublisher("tcp://127.0.0.1:*", s -> s.setSndHWM(20))) {
            String endpoint = pub.start();
            AtomicBoolean hold = new AtomicBoolean();
            CountDownLatch release = new CountDownLatch(1);
            EventSubscriber.Listener stallOnUpdates = (state, event) -> {
                if (event != null && hold.get()) {
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            try (EventSubscriber slow = new EventSubscriber(endpoint, s -> s.setRcvHWM(20), stallOnUpdates).start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> slow.snapshots() == 1);
                pub.cluster(ClusterDescriptor.simulated(4, 2));
                await().atMost(Duration.ofSeconds(10)).until(() -> slow.state().seq() >= 1);

                hold.set(true);
                long before = pub.published();
                for (int i = 0; i < UPDATES_WHILE_HELD; i++) {
                    pub.commandStarted("node-" + (i % 4 + 1), "c" + i);
                }
                // The publisher's thread sends them all (most are dropped at the high-water mark).
                await().atMost(Duration.ofSeconds(30)).until(() -> pub.published() >= before + UPDATES_WHILE_HELD);
                long target = pub.published();
                hold.set(false);
                release.countDown();

                await().atMost(Duration.ofSeconds(30)).until(() -> slow.state().seq() >= target);
                assertThat(slow.gaps()).as("updates dropped at the high-water mark are noticed").isPositive();
                assertThat(slow.snapshots()).as("each gap is repaired by a new snapshot").isGreaterThan(1);

                try (EventSubscriber late = new EventSubscriber(endpoint, (s, e) -> { }).start()) {
                    // Equal once both stand at the same sequence number (the publisher's ticks keep it moving).
                    await().atMost(Duration.ofSeconds(10)).until(() -> late.snapshots() >= 1
                            && late.state().seq() == slow.state().seq()
                            && stable(late.state()).equals(stable(slow.state())));
                    assertThat(slow.state().toJson().path("nodes").toString()).as("the last update is in the repaired state").contains("\"c" + (UPDATES_WHILE_HELD - 1) + "\"");
                }
            }
        }
    }
}
