package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.patterns.cluster.ClusterView.Applied;
import io.zcl.patterns.protocol.Messages.Event;
import io.zcl.patterns.protocol.Messages.Snapshot;
import io.zcl.patterns.protocol.Messages.WorkerRow;
import io.zcl.patterns.protocol.Protocol;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Clone rules on the monitor's side: snapshot first, then only newer events, in order. */
class ClusterViewTest {

    private static final long EPOCH = 7;

    private static Snapshot snapshotAt(long seq, String... workers) {
        List<WorkerRow> rows = java.util.Arrays.stream(workers)
                .map(w -> new WorkerRow(w, "ready", null, 0, 10)).toList();
        return new Snapshot(EPOCH, seq, rows, 10, 0, 10, 0);
    }

    private static Event event(long seq, String type, String worker, String task) {
        return new Event(type, EPOCH, seq, 0, worker, task, 0);
    }

    @Test
    void eventsTheSnapshotAlreadyHoldsAreDropped() {
        ClusterView view = new ClusterView();
        view.applySnapshot(snapshotAt(5, "w1", "w2"));

        assertThat(view.apply(event(4, Protocol.TOPIC_LOST, "w1", null))).isEqualTo(Applied.STALE);
        assertThat(view.apply(event(5, Protocol.TOPIC_JOINED, "w2", null))).isEqualTo(Applied.STALE);

        assertThat(view.rows()).extracting(WorkerRow::state).containsExactly("ready", "ready");
    }

    @Test
    void newerEventsApplyInOrder() {
        ClusterView view = new ClusterView();
        view.applySnapshot(snapshotAt(5, "w1"));

        assertThat(view.apply(event(6, Protocol.TOPIC_JOINED, "w2", null))).isEqualTo(Applied.APPLIED);
        assertThat(view.apply(event(7, Protocol.TOPIC_DISPATCHED, "w1", "t-001"))).isEqualTo(Applied.APPLIED);
        assertThat(view.apply(event(8, Protocol.TOPIC_DONE, "w1", "t-001"))).isEqualTo(Applied.APPLIED);
        assertThat(view.apply(event(9, Protocol.TOPIC_LOST, "w2", null))).isEqualTo(Applied.APPLIED);

        assertThat(view.seq()).isEqualTo(9);
        assertThat(view.tasksDone()).isEqualTo(1);
        assertThat(view.rows()).containsExactly(
                new WorkerRow("w1", "ready", null, 1, 10),
                new WorkerRow("w2", "lost", null, 0, -1));
    }

    @Test
    void aSkippedEventOrAnotherEpochAsksForANewSnapshot() {
        ClusterView view = new ClusterView();
        view.applySnapshot(snapshotAt(5, "w1"));

        assertThat(view.apply(event(7, Protocol.TOPIC_JOINED, "w2", null))).isEqualTo(Applied.GAP);
        assertThat(view.apply(new Event(Protocol.TOPIC_JOINED, EPOCH + 1, 1, 0, "w2", null, 0)))
                .isEqualTo(Applied.OTHER_EPOCH);
        assertThat(view.seq()).isEqualTo(5);
    }

    @Test
    void withoutASnapshotNoEventCanBePlaced() {
        assertThat(new ClusterView().apply(event(1, Protocol.TOPIC_JOINED, "w1", null))).isEqualTo(Applied.NO_SNAPSHOT);
    }

    @Test
    void aPeriodicSnapshotReplacesTheViewOnlyIfItIsNotOlder() {
        ClusterView view = new ClusterView();
        view.applySnapshot(snapshotAt(5, "w1"));
        view.apply(event(6, Protocol.TOPIC_JOINED, "w2", null));

        assertThat(view.applyPeriodic(snapshotAt(5, "w1"))).isTrue();
        assertThat(view.rows()).hasSize(2);

        assertThat(view.applyPeriodic(snapshotAt(9, "w1", "w2", "w3"))).isTrue();
        assertThat(view.rows()).hasSize(3);
        assertThat(view.seq()).isEqualTo(9);
    }
}
