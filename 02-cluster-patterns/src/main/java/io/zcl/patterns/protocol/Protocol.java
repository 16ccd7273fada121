package io.zcl.patterns.protocol;

/**
 * The cluster's wire protocol, written down once. Every class that builds or reads a frame uses
 * these constants, so this file is the spec.
 *
 * <h2>Task socket: worker DEALER (connects) to coordinator ROUTER (binds, default :5570)</h2>
 * Paranoid Pirate (ZeroMQ RFC 6/PPP, zguide chapter 4) with a task id added. A DEALER sends
 * frames as they are; the coordinator's ROUTER adds the worker's identity in front on receive and
 * strips it on send. No empty delimiter frame: neither side is a REQ socket.
 * <pre>
 *   +------------+-----------+-----------+------------------+
 *   | [identity] | command   | task id   | body (msgpack)   |   identity: only on the ROUTER side
 *   +------------+-----------+-----------+------------------+
 *   READY       0x01  worker -> coordinator   "I am idle, send me work" (also after every reconnect)
 *   HEARTBEAT   0x02  both ways               "I am alive"; any other command counts as one too
 *   TASK        0x03  coordinator -> worker   + task id + {@link Messages.TaskSpec}
 *   RESULT      0x04  worker -> coordinator   + task id + {@link Messages.TaskResult}
 *   DISCONNECT  0x05  coordinator -> worker   "I do not know you": the worker reconnects, sends READY
 *                     worker -> coordinator   "goodbye" on a clean stop: its task is re-queued at once
 * </pre>
 * Liveness: each side sends HEARTBEAT every interval (default 1000 ms) and declares the other dead
 * after liveness x interval (default 3 x 1000 ms) without receiving anything.
 *
 * <h2>Event socket: coordinator PUB (binds, default :5571) to monitor SUB (connects)</h2>
 * <pre>
 *   +-----------------------+------------------------------------+
 *   | topic (utf-8 string)  | body: {@link Messages.Event}       |
 *   +-----------------------+------------------------------------+
 *   topics: worker.joined worker.lost task.dispatched task.done task.requeued (each: seq + 1)
 *           snapshot (periodic, body is a {@link Messages.Snapshot}, seq unchanged)
 * </pre>
 *
 * <h2>Snapshot socket: monitor DEALER (connects) to coordinator ROUTER (binds, default :5572)</h2>
 * The Clone pattern (zguide chapter 5): a monitor subscribes first, then asks for the state and
 * applies only the events whose seq is newer than the snapshot's.
 * <pre>
 *   monitor -> coordinator   ["SNAPSHOT"]
 *   coordinator -> monitor   ["SNAPSHOT"] [{@link Messages.Snapshot}]
 * </pre>
 */
public final class Protocol {

    public static final byte READY = 0x01;
    public static final byte HEARTBEAT = 0x02;
    public static final byte TASK = 0x03;
    public static final byte RESULT = 0x04;
    public static final byte DISCONNECT = 0x05;

    public static final String TOPIC_JOINED = "worker.joined";
    public static final String TOPIC_LOST = "worker.lost";
    public static final String TOPIC_DISPATCHED = "task.dispatched";
    public static final String TOPIC_DONE = "task.done";
    public static final String TOPIC_REQUEUED = "task.requeued";
    public static final String TOPIC_SNAPSHOT = "snapshot";

    public static final String SNAPSHOT_REQUEST = "SNAPSHOT";

    public static final String DEFAULT_TASKS_BIND = "tcp://*:5570";
    public static final String DEFAULT_EVENTS_BIND = "tcp://*:5571";
    public static final String DEFAULT_SNAPSHOT_BIND = "tcp://*:5572";
    public static final String DEFAULT_TASKS_CONNECT = "tcp://localhost:5570";
    public static final String DEFAULT_EVENTS_CONNECT = "tcp://localhost:5571";
    public static final String DEFAULT_SNAPSHOT_CONNECT = "tcp://localhost:5572";

    /** Paranoid Pirate defaults: a peer is dead after LIVENESS x HEARTBEAT_MS of silence. */
    public static final long HEARTBEAT_MS = 1000;
    public static final int LIVENESS = 3;
    /** Reconnect backoff: 1 s, doubling up to 32 s, as in the zguide's ppworker. */
    public static final long RECONNECT_MS = 1000;
    public static final long RECONNECT_MAX_MS = 32_000;

    /** Upper bound on one poll, so every loop notices its stop flag quickly. */
    public static final long MAX_POLL_MS = 100;

    public static String commandName(byte command) {
        return switch (command) {
            case READY -> "READY";
            case HEARTBEAT -> "HEARTBEAT";
            case TASK -> "TASK";
            case RESULT -> "RESULT";
            case DISCONNECT -> "DISCONNECT";
            default -> String.format("0x%02x", command);
        };
    }

    private Protocol() {
    }
}
