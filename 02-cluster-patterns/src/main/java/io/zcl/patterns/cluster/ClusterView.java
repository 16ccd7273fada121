package io.zcl.patterns.cluster;

import io.zcl.patterns.protocol.Messages.Event;
import io.zcl.patterns.protocol.Messages.Snapshot;
import io.zcl.patterns.protocol.Messages.WorkerRow;
import io.zcl.patterns.protocol.Protocol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The monitor's copy of the cluster: a snapshot, then every event newer than it (the zguide's
 * Clone pattern). Each event carries the coordinator's sequence number, so the view can tell an
 * event its snapshot already includes (drop it) from one that skipped ahead (a gap: ask again).
 *
 * <p>Pure state, no sockets and no clock: the monitor feeds it, a test can too.
 */
public final class ClusterView {

    public enum Applied {
        /** The event moved the view forward by one. */
        APPLIED,
        /** Older than or equal to what the view holds: dropped. */
        STALE,
        /** Newer than the next expected one: an event was missed, the view needs a new snapshot. */
        GAP,
        /** From another coordinator run (it restarted): the view needs a new snapshot. */
        OTHER_EPOCH,
        /** No snapshot yet: the event cannot be placed. */
        NO_SNAPSHOT
    }

    private long epoch = -1;
    private long seq = -1;
    private int tasksTotal;
    private int tasksDone;
    private final Map<String, WorkerRow> rows = new LinkedHashMap<>();

    /** Replaces the view by a snapshot from the snapshot socket. */
    public void applySnapshot(Snapshot snapshot) {
        epoch = snapshot.epoch();
        seq = snapshot.seq();
        tasksTotal = snapshot.tasksTotal();
        tasksDone = snapshot.tasksDone();
        rows.clear();
        for (WorkerRow row : snapshot.workers()) {
            rows.put(row.name(), row);
        }
    }

    /**
     * A periodic snapshot from the event stream: it refreshes heartbeat ages and heals a missed
     * event. Returns false when it belongs to another epoch, so the caller asks for a new snapshot.
     */
    public boolean applyPeriodic(Snapshot snapshot) {
        if (snapshot.epoch() != epoch) {
            return false;
        }
        if (snapshot.seq() >= seq) {
            applySnapshot(snapshot);
        }
        return true;
    }

    public Applied apply(Event event) {
        if (seq < 0) {
            return Applied.NO_SNAPSHOT;
        }
        if (event.epoch() != epoch) {
            return Applied.OTHER_EPOCH;
        }
        if (event.seq() <= seq) {
            return Applied.STALE;
        }
        if (event.seq() > seq + 1) {
            return Applied.GAP;
        }
        seq = event.seq();
        WorkerRow row = rows.get(event.worker());
        int done = row == null ? 0 : row.done();
        switch (event.type()) {
            case Protocol.TOPIC_JOINED -> rows.put(event.worker(), new WorkerRow(event.worker(), "ready", null, done, 0));
            case Protocol.TOPIC_LOST -> rows.put(event.worker(), new WorkerRow(event.worker(), "lost", null, done, -1));
            case Protocol.TOPIC_DISPATCHED -> rows.put(event.worker(),
                    new WorkerRow(event.worker(), "busy", event.task(), done, ageOf(row)));
            case Protocol.TOPIC_DONE -> {
                tasksDone++;
                if (row != null) {
                    boolean finishedItsTask = event.task().equals(row.task());
                    rows.put(event.worker(), new WorkerRow(row.name(), finishedItsTask ? "ready" : row.state(),
                            finishedItsTask ? null : row.task(), done + 1, ageOf(row)));
                }
            }
            default -> {
                // task.requeued changes no row: the worker's loss was its own event.
            }
        }
        return Applied.APPLIED;
    }

    private static long ageOf(WorkerRow row) {
        return row == null ? 0 : row.heartbeatAgeMs();
    }

    public long seq() {
        return seq;
    }

    public long epoch() {
        return epoch;
    }

    public int tasksDone() {
        return tasksDone;
    }

    public List<WorkerRow> rows() {
        return new ArrayList<>(rows.values());
    }

    /** The live table: one line per worker. Heartbeat ages are as of the latest snapshot. */
    public String render() {
        StringBuilder out = new StringBuilder();
        long lost = rows.values().stream().filter(r -> r.state().equals("lost")).count();
        out.append(String.format(Locale.ROOT, "  cluster at seq %d: tasks done %d/%d; workers live %d, lost %d%n",
                seq, tasksDone, tasksTotal, rows.size() - lost, lost));
        out.append(String.format(Locale.ROOT, "  %-10s %-6s %-7s %5s  %s%n", "WORKER", "STATE", "TASK", "DONE", "HEARTBEAT AGE"));
        for (WorkerRow r : rows.values()) {
            String age = r.heartbeatAgeMs() < 0 ? "-" : r.heartbeatAgeMs() + " ms";
            out.append(String.format(Locale.ROOT, "  %-10s %-6s %-7s %5d  %s%n", r.name(), r.state(),
                    r.task() == null ? "-" : r.task(), r.done(), age));
        }
        return out.toString();
    }
}
