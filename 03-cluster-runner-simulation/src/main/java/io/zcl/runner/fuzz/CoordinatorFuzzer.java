package io.zcl.runner.fuzz;

import io.zcl.runner.fuzz.HostileInputs.Expect;
import io.zcl.runner.fuzz.HostileInputs.Input;
import io.zcl.runner.fuzz.HostileInputs.Kind;
import io.zcl.runner.fuzz.HostileInputs.Target;
import io.zcl.runner.zmq.Body;
import io.zcl.runner.zmq.ConnectRace;
import io.zcl.runner.zmq.Message;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import io.zcl.runner.zmq.ProtocolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Sends hostile inputs to a coordinator from several DEALER peers at once, some of which said a
 * valid HELLO first and keep a session ("authenticated"), the others never do. After each input a
 * peer sends a probe (an unknown command byte, {@link HostileInputs#PROBE_BYTE}) and reads until the
 * probe's ERROR: ZeroMQ keeps one connection's messages in order, so every reply before it belongs
 * to the input, and the reply is checked against what the protocol requires.
 */
public final class CoordinatorFuzzer {

    /** How long a peer waits for the probe's answer before it calls the coordinator stuck. */
    static final int PROBE_TIMEOUT_MS = 10_000;

    private CoordinatorFuzzer() {
    }

    /**
     * @param inputsPerPeer inputs each peer sends (or until {@code keepGoing} says stop, if it is not null)
     * @param peers         DEALER peers, each on its own thread and its own connection
     * @param authenticated how many of them keep a session
     */
    public static FuzzReport run(ZContext ctx, String endpoint, long seed, long inputsPerPeer, int peers,
                                 int authenticated, BooleanSupplier keepGoing) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(peers, r -> {
            Thread t = new Thread(r, "fuzz-peer");
            t.setDaemon(true);
            return t;
        });
        List<Future<FuzzReport>> futures = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            long peerSeed = seed + i;
            boolean auth = i < authenticated;
            futures.add(pool.submit(() -> peer(ctx, endpoint, peerSeed, inputsPerPeer, auth, keepGoing)));
        }
        FuzzReport total = new FuzzReport();
        for (Future<FuzzReport> f : futures) {
            try {
                total.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                total.fail("peer failed: " + e.getCause());
            }
        }
        pool.shutdownNow();
        return total;
    }

    private static FuzzReport peer(ZContext ctx, String endpoint, long seed, long inputs, boolean authenticated,
                                   BooleanSupplier keepGoing) {
        FuzzReport r = new FuzzReport();
        HostileInputs gen = new HostileInputs(Target.COORDINATOR, seed);
        String nodeId = "fuzz-peer-" + UUID.randomUUID();
        ZMQ.Socket s = ctx.createSocket(SocketType.DEALER);
        try {
            s.setLinger(0);
            s.setReceiveTimeOut(PROBE_TIMEOUT_MS);
            ConnectRace.connect(s, endpoint);
            boolean session = false;
            for (long i = 0; keepGoing != null ? keepGoing.getAsBoolean() : i < inputs; i++) {
                if (authenticated && !session) {
                    Replies h = exchange(s, List.of(hello(nodeId).toFrames()), r);
                    if (h == null) {
                        r.fail("no answer to a valid HELLO (seed " + seed + ")");
                        return r;
                    }
                    if (!h.welcome) {
                        r.mismatch(seed, "valid HELLO got no WELCOME: " + h.errors);
                    }
                    session = h.welcome;
                }
                Input in = gen.next();
                Expect expect = in.expect(Target.COORDINATOR, session);
                ZMsg frames = new ZMsg();
                in.frames().forEach(frames::add);
                r.inputs++;
                r.bytes += in.bytes();
                r.category(in.category());
                Replies got = exchange(s, List.of(frames), r);
                if (got == null) {
                    r.fail("no answer within " + PROBE_TIMEOUT_MS + " ms after input " + in.describe() + " (seed "
                            + seed + ")");
                    return r;
                }
                String bad = check(expect, got.errors);
                if (bad != null && session && check(in.expect(Target.COORDINATOR, false), got.errors) == null
                        && sessionExpired(s, r)) {
                    // The answer is the one for a peer without a session, and the coordinator confirms it
                    // no longer has one: it declared this peer lost (silent for liveness x interval, as
                    // a starved machine makes it). Not a protocol error; counted, and HELLO again.
                    r.sessionsExpired++;
                    session = false;
                    continue;
                }
                if (bad != null) {
                    r.mismatch(seed, bad + " (session=" + session + ") for " + in.describe());
                }
                if (got.welcome) {
                    session = true;
                }
                if (got.errors.contains(ErrorCode.HELLO_REQUIRED)
                        || in.cmd() == Cmd.BYE && in.framing() == null && got.errors.isEmpty()) {
                    session = false;
                }
            }
            return r;
        } finally {
            ctx.destroySocket(s);
        }
    }

    static String check(Expect expect, List<ErrorCode> errors) {
        if (expect.kind() == Kind.ERROR && !(errors.size() == 1 && errors.get(0) == expect.code())) {
            return "expected " + expect + ", got " + errors;
        }
        if (expect.kind() == Kind.NONE && !errors.isEmpty()) {
            return "expected no ERROR, got " + errors;
        }
        if (expect.kind() == Kind.ANY && errors.size() > 1) {
            return "expected at most one ERROR, got " + errors;
        }
        return null;
    }

    static Message hello(String nodeId) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(Field.VERSION, Protocol.VERSION);
        f.put(Field.NODE_ID, nodeId);
        f.put(Field.INSTANCE, "fuzz-" + nodeId);
        f.put(Field.SYSTEM, Map.of("hostname", nodeId));
        f.put(Field.RUNNING, List.of());
        f.put(Field.UNACKED, List.of());
        return Message.of(Cmd.HELLO, f);
    }

    /** Whether the coordinator has dropped this peer's session: a HEARTBEAT then gets HELLO_REQUIRED. */
    private static boolean sessionExpired(ZMQ.Socket s, FuzzReport r) {
        Replies h = exchange(s, List.of(Message.of(Cmd.HEARTBEAT).toFrames()), r);
        return h != null && h.errors.equals(List.of(ErrorCode.HELLO_REQUIRED));
    }

    /** The probe: an unknown command byte, which any receiver answers with ERROR UNKNOWN_COMMAND. */
    static ZMsg probe() {
        ZMsg m = new ZMsg();
        m.add(Protocol.SIGNATURE);
        m.add(new byte[] {HostileInputs.PROBE_BYTE});
        m.add(new byte[] {(byte) 0x80});
        return m;
    }

    static boolean isProbeAnswer(ErrorCode code, String reason) {
        return code == ErrorCode.UNKNOWN_COMMAND && reason.contains(String.format("0x%02X", HostileInputs.PROBE_BYTE));
    }

    /** Replies to one input: ERROR codes in order, and whether a WELCOME came. */
    static final class Replies {
        final List<ErrorCode> errors = new ArrayList<>();
        boolean welcome;
    }

    /** Sends the messages and a probe; reads up to the probe's answer. Null when none came in time. */
    private static Replies exchange(ZMQ.Socket s, List<ZMsg> msgs, FuzzReport r) {
        for (ZMsg m : msgs) {
            m.send(s);
        }
        probe().send(s);
        r.probes++;
        Replies out = new Replies();
        while (true) {
            ZMsg reply = ZMsg.recvMsg(s);
            if (reply == null) {
                return null;
            }
            Message m;
            try {
                m = Message.parse(reply);
            } catch (ProtocolException e) {
                out.errors.add(ErrorCode.BAD_FRAMES); // the coordinator itself sent something malformed
                continue;
            }
            if (m.cmd() == Cmd.WELCOME) {
                out.welcome = true;
            } else if (m.cmd() == Cmd.ERROR) {
                ErrorCode code = errorCode(m.body());
                String reason = String.valueOf(m.body().asMap().get(Field.REASON));
                r.byCode.merge(code, 1L, Long::sum);
                if (code == ErrorCode.HELLO_REQUIRED || code == ErrorCode.DUPLICATE) {
                    r.refusals++;
                } else {
                    r.errorReplies++;
                }
                if (isProbeAnswer(code, reason)) {
                    return out;
                }
                out.errors.add(code);
            }
            // HEARTBEAT, ACK: not answers to a protocol error
        }
    }

    static ErrorCode errorCode(Body b) {
        try {
            return ErrorCode.valueOf(String.valueOf(b.asMap().get(Field.CODE)));
        } catch (IllegalArgumentException e) {
            return ErrorCode.BAD_FRAMES;
        }
    }
}
