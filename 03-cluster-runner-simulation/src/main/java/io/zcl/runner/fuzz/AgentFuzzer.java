package io.zcl.runner.fuzz;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.fuzz.HostileInputs.Expect;
import io.zcl.runner.fuzz.HostileInputs.Input;
import io.zcl.runner.fuzz.HostileInputs.Target;
import io.zcl.runner.zmq.Message;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import io.zcl.runner.zmq.ProtocolException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * A ROUTER that plays coordinator to one real {@link NodeAgent}: answers its HELLO with a valid
 * WELCOME, then sends it hostile inputs, each followed by a probe (as {@link CoordinatorFuzzer}),
 * ACKs every RESULT as a coordinator would, and checks each reply. A HELLO at any time (the agent
 * reconnected) gets a fresh WELCOME.
 */
public final class AgentFuzzer implements AutoCloseable {

    /** The one program the fuzzed agent may run; nothing in the generator names it. */
    public static final String ALLOWED = "zcl-fuzz-allowed-nothing";

    private static final int PROBE_TIMEOUT_MS = 3_000;

    private final ZContext ctx;
    private final ZMQ.Socket router;
    private final String endpoint;
    private final NodeAgent agent;
    private final RefusingExecutor nothing;
    private byte[] agentId;
    private long welcomes;
    private long results;
    private final String nodeId;

    /** Binds a ROUTER on loopback and starts a real agent dialing it. */
    public AgentFuzzer(ZContext ctx, String nodeId) {
        this(ctx, ctx, nodeId);
    }

    /**
     * @param ctx      the fake coordinator's context
     * @param agentCtx the agent's context (a separate one keeps the two apart as two processes would)
     */
    public AgentFuzzer(ZContext ctx, ZContext agentCtx, String nodeId) {
        this.ctx = ctx;
        this.nodeId = nodeId;
        router = ctx.createSocket(SocketType.ROUTER);
        router.setLinger(0);
        router.setReceiveTimeOut(PROBE_TIMEOUT_MS);
        router.bind("tcp://127.0.0.1:*");
        endpoint = router.getLastEndpoint();
        nothing = new RefusingExecutor(nodeId);
        agent = new NodeAgent(NodeAgent.Settings.defaults(endpoint, nodeId, new SystemConfiguration(nodeId, List.of(),
                List.of(), List.of())).withBackoff(50, 200).withAllowedExecutables(Set.of(ALLOWED)), nothing, agentCtx,
                io.zcl.runner.zmq.MonotonicClock::millis).start();
    }

    public NodeAgent agent() {
        return agent;
    }

    /** Commands the agent handed to its executor: only a RUN of {@link #ALLOWED} may get there. */
    public long executorCalls() {
        return nothing.calls();
    }

    public long welcomes() {
        return welcomes;
    }

    public long results() {
        return results;
    }

    /** Waits for the agent's HELLO and answers WELCOME. */
    public boolean handshake(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && agentId == null) {
            ZMsg m = ZMsg.recvMsg(router);
            if (m != null) {
                dispatch(m, new CoordinatorFuzzer.Replies(), new FuzzReport());
            }
        }
        return agentId != null;
    }

    /** Sends inputs (or until keepGoing says stop, when it is not null), checking each reply. */
    public FuzzReport run(long seed, long inputs, BooleanSupplier keepGoing) {
        FuzzReport r = new FuzzReport();
        HostileInputs gen = new HostileInputs(Target.AGENT, seed);
        for (long i = 0; keepGoing != null ? keepGoing.getAsBoolean() : i < inputs; i++) {
            Input in = gen.next();
            Expect expect = in.expect(Target.AGENT, true);
            r.inputs++;
            r.bytes += in.bytes();
            r.category(in.category());
            ZMsg frames = new ZMsg();
            frames.add(agentId);
            in.frames().forEach(frames::add);
            long welcomesBefore = welcomes;
            frames.send(router);
            CoordinatorFuzzer.Replies got = probe(r);
            if (got == null) {
                if (welcomes > welcomesBefore) {
                    r.unattributed++; // the agent reconnected meanwhile: this input's answer is gone
                    continue;
                }
                r.fail("no answer within " + PROBE_TIMEOUT_MS + " ms after input " + in.describe() + " (seed " + seed + ")");
                return r;
            }
            if (welcomes > welcomesBefore) {
                r.unattributed++;
                continue;
            }
            String bad = CoordinatorFuzzer.check(expect, got.errors);
            if (bad != null) {
                r.mismatch(seed, bad + " for " + in.describe());
            }
        }
        return r;
    }

    /** Sends one message of these frames to the agent, no probe. */
    public void sendOnly(List<byte[]> frames) {
        ZMsg m = new ZMsg();
        m.add(agentId);
        frames.forEach(m::add);
        m.send(router);
    }

    /**
     * Plays a restarted coordinator: a message from a connection without a session (a new
     * routing id) is answered ERROR HELLO_REQUIRED, as ZmqCoordinator does, until the agent says
     * HELLO again and gets its WELCOME. Returns whether it did within the timeout.
     */
    public boolean awaitHelloAgain(Duration timeout) {
        byte[] known = agentId;
        long welcomesBefore = welcomes;
        long deadline = System.nanoTime() + timeout.toNanos();
        FuzzReport r = new FuzzReport();
        CoordinatorFuzzer.Replies sink = new CoordinatorFuzzer.Replies();
        while (System.nanoTime() < deadline && welcomes == welcomesBefore) {
            ZMsg m = ZMsg.recvMsg(router);
            if (m == null) {
                continue;
            }
            byte[] from = m.peekFirst().getData();
            if (!java.util.Arrays.equals(from, known) && m.size() == 4
                    && m.toArray(new ZFrame[0])[2].getData()[0] != Cmd.HELLO.code()) {
                ZMsg e = Message.error(ErrorCode.HELLO_REQUIRED, "no session: send HELLO first").toFrames();
                e.push(from);
                e.send(router);
                continue;
            }
            dispatch(m, sink, r);
        }
        return welcomes > welcomesBefore;
    }

    /** Sends one message of these frames and a probe; the report holds the ERROR codes that came back. */
    public FuzzReport sendRaw(List<byte[]> frames) {
        FuzzReport r = new FuzzReport();
        ZMsg m = new ZMsg();
        m.add(agentId);
        frames.forEach(m::add);
        m.send(router);
        if (probe(r) == null) {
            r.fail("no answer to the probe");
        }
        return r;
    }

    /** Sends a valid RUN of the built-in @noop and waits for its RESULT: the agent still works. */
    public CommandResult.Status runNoop(String cmdId, Duration timeout) {
        ZMsg m = Message.of(Cmd.RUN, Map.of(Field.CMD_ID, cmdId, Field.ARGV, List.of(NodeAgent.BUILTIN_NOOP),
                Field.ENV, Map.of(), Field.TIMEOUT_MS, 5000, Field.STREAM, false)).toFrames();
        m.push(agentId);
        m.send(router);
        long deadline = System.nanoTime() + timeout.toNanos();
        CoordinatorFuzzer.Replies sink = new CoordinatorFuzzer.Replies();
        FuzzReport r = new FuzzReport();
        while (System.nanoTime() < deadline) {
            ZMsg reply = ZMsg.recvMsg(router);
            if (reply == null) {
                continue;
            }
            String status = dispatch(reply, sink, r);
            if (status != null && status.startsWith(cmdId + " ")) {
                return CommandResult.Status.valueOf(status.substring(cmdId.length() + 1));
            }
        }
        return null;
    }

    /** Sends a probe to the agent and reads up to its answer; null on timeout. */
    private CoordinatorFuzzer.Replies probe(FuzzReport r) {
        ZMsg p = CoordinatorFuzzer.probe();
        p.push(agentId);
        p.send(router);
        r.probes++;
        CoordinatorFuzzer.Replies out = new CoordinatorFuzzer.Replies();
        while (true) {
            ZMsg m = ZMsg.recvMsg(router);
            if (m == null) {
                return null;
            }
            if ("probe".equals(dispatch(m, out, r))) {
                return out;
            }
        }
    }

    /** Handles one message from the agent. Returns "probe" for the probe's answer, "id STATUS" for a RESULT. */
    private String dispatch(ZMsg msg, CoordinatorFuzzer.Replies out, FuzzReport r) {
        ZFrame id = msg.pop();
        Message m;
        try {
            m = Message.parse(msg);
        } catch (ProtocolException e) {
            out.errors.add(ErrorCode.BAD_FRAMES); // the agent sent something malformed
            return null;
        }
        switch (m.cmd()) {
            case HELLO -> {
                agentId = id.getData();
                welcomes++;
                ZMsg w = Message.of(Cmd.WELCOME, Map.of(Field.VERSION, Protocol.VERSION, Field.HEARTBEAT_MS, 1000,
                        Field.LIVENESS, 3)).toFrames();
                w.push(agentId);
                w.send(router);
            }
            case RESULT -> {
                results++;
                Object cmdId = m.body().asMap().get(Field.CMD_ID);
                ZMsg ack = Message.of(Cmd.ACK, Map.of(Field.CMD_ID, String.valueOf(cmdId))).toFrames();
                ack.push(id.getData());
                ack.send(router);
                return cmdId + " " + m.body().asMap().get(Field.STATUS);
            }
            case ERROR -> {
                ErrorCode code = CoordinatorFuzzer.errorCode(m.body());
                String reason = String.valueOf(m.body().asMap().get(Field.REASON));
                r.byCode.merge(code, 1L, Long::sum);
                if (code == ErrorCode.DUPLICATE || code == ErrorCode.HELLO_REQUIRED) {
                    r.refusals++;
                } else {
                    r.errorReplies++;
                }
                if (CoordinatorFuzzer.isProbeAnswer(code, reason)) {
                    return "probe";
                }
                out.errors.add(code);
            }
            default -> {
                // HEARTBEAT, BYE, OUTPUT
            }
        }
        return null;
    }

    @Override
    public void close() {
        agent.close();
        ctx.destroySocket(router);
    }
}
