package io.zcl.runner.zmq;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Constants of the ZCR1 wire protocol. The protocol itself is specified in
 * docs/wire-protocol.md; this class only names what that document defines, in one place.
 *
 * <pre>
 *  agent DEALER  --connect-->  coordinator ROUTER
 *  frames (as the agent sends/receives them; the ROUTER adds/strips the identity frame):
 *  +--------+---------+--------------------------+
 *  | "ZCR1" | command | body: one msgpack map     |
 *  | 4 B    | 1 B     | (may be the empty map)    |
 *  +--------+---------+--------------------------+
 * </pre>
 */
public final class Protocol {

    private Protocol() {
    }

    /** Frame 1: protocol name and version. A peer speaking another version gets ERROR BAD_VERSION. */
    public static final byte[] SIGNATURE = "ZCR1".getBytes(StandardCharsets.US_ASCII);

    /** Version number carried in HELLO and WELCOME bodies, for a future ZCR2 to negotiate. */
    public static final int VERSION = 1;

    /**
     * Largest body a peer accepts (16 MiB). Bigger messages get ERROR TOO_LARGE. The socket itself
     * is capped at {@link #MAX_FRAME_BYTES} (ZMQ_MAXMSGSIZE), beyond which libzmq/JeroMQ drops
     * the connection instead, so one huge frame cannot exhaust memory. That cap is per frame: a
     * message of many frames under it is buffered whole by JeroMQ before {@link Message#parse}
     * refuses its frame count ({@link IoThreadWatch} says what happens when that exhausts memory).
     */
    public static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    /** Hard cap per frame enforced by the socket (ZMQ_MAXMSGSIZE): twice the protocol limit. */
    public static final long MAX_FRAME_BYTES = 2L * MAX_BODY_BYTES;

    /**
     * Largest RUN {@code timeout_ms} an agent accepts: 7 days. A larger one is refused with ERROR
     * BAD_BODY (from about 9.22e12 ms, nanoseconds no longer fit a long).
     */
    public static final long MAX_TIMEOUT_MS = 7L * 24 * 3600 * 1000;

    /** Default heartbeat interval (ms), announced in WELCOME; RFC 6 Paranoid Pirate style. */
    public static final int DEFAULT_HEARTBEAT_MS = 1000;

    /** Default liveness: a peer silent for liveness x interval is dead. */
    public static final int DEFAULT_LIVENESS = 3;

    /** Command byte, frame 2. Values below 0x10 go agent -> coordinator; 0x10 and up the other way. */
    public enum Cmd {
        HELLO(0x01),
        HEARTBEAT(0x02),
        OUTPUT(0x03),
        RESULT(0x04),
        BYE(0x05),
        JOURNAL(0x06),
        WELCOME(0x11),
        RUN(0x12),
        CANCEL(0x13),
        ACK(0x14),
        JOURNAL_ACK(0x15),
        ERROR(0x7F);

        private final byte code;
        private static final Cmd[] BY_CODE = new Cmd[256];

        static {
            for (Cmd c : values()) {
                BY_CODE[c.code & 0xFF] = c;
            }
        }

        Cmd(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }

        /** The command for a byte, or null for an unknown byte. */
        public static Cmd of(byte code) {
            return BY_CODE[code & 0xFF];
        }
    }

    /** ERROR body "code" values. */
    public enum ErrorCode {
        /** Wrong number of frames, or a frame of the wrong size. */
        BAD_FRAMES,
        /** Frame 1 is not "ZCR1". */
        BAD_VERSION,
        /** Frame 2 is not a known command byte, or a known one sent in the wrong direction. */
        UNKNOWN_COMMAND,
        /** The body is not a msgpack map, or a field is missing or of the wrong type. */
        BAD_BODY,
        /** The body is larger than MAX_BODY_BYTES. */
        TOO_LARGE,
        /** A non-HELLO message from a peer the coordinator has no session for: send HELLO. */
        HELLO_REQUIRED,
        /** RUN refused: the executable is not on the agent's allow-list, or argv is empty. */
        NOT_ALLOWED,
        /** RUN for a command id that already finished and was acknowledged. */
        DUPLICATE
    }

    /** Body field names, shared by both sides. */
    public static final class Field {
        private Field() {
        }

        public static final String VERSION = "version";
        public static final String NODE_ID = "node_id";
        public static final String INSTANCE = "instance";
        public static final String AGENT = "agent";
        public static final String SYSTEM = "system";
        public static final String MAX_CONCURRENT = "max_concurrent";
        public static final String RUNNING = "running";
        public static final String UNACKED = "unacked";
        public static final String HEARTBEAT_MS = "heartbeat_ms";
        public static final String LIVENESS = "liveness";
        public static final String CMD_ID = "cmd_id";
        public static final String ARGV = "argv";
        public static final String ENV = "env";
        public static final String CWD = "cwd";
        public static final String TIMEOUT_MS = "timeout_ms";
        public static final String STREAM = "stream";
        public static final String SEQ = "seq";
        public static final String DATA = "data";
        public static final String STATUS = "status";
        public static final String EXIT_CODE = "exit_code";
        public static final String STDOUT = "stdout";
        public static final String STDERR = "stderr";
        public static final String TRUNCATED = "truncated";
        public static final String STARTED_MS = "started_ms";
        public static final String DURATION_US = "duration_us";
        public static final String ERROR = "error";
        public static final String CODE = "code";
        public static final String REASON = "reason";
        public static final String REF = "ref";
        public static final String WRITER = "writer";
        public static final String RECORD = "record";
    }

    static boolean isSignature(byte[] frame) {
        return Arrays.equals(frame, SIGNATURE);
    }
}
