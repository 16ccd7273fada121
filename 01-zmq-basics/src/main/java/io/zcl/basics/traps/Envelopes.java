package io.zcl.basics.traps;

import io.zcl.basics.Args;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMQException;
import org.zeromq.ZMsg;

/**
 * Trap: envelopes. A ROUTER puts the sender's identity in front of every message it receives; a
 * REQ puts an empty delimiter frame in front of what it sends; a DEALER adds nothing. A DEALER
 * talking to a REP must add the delimiter itself, or the REP silently throws the message away.
 * <pre>
 * ROUTER binds tcp://127.0.0.1:*; REQ "req-1", DEALER "dealer-1" and a DEALER with no identity connect and say hello
 * REP binds tcp://127.0.0.1:*; a DEALER connects and sends once without, once with the empty delimiter
 * Run (every socket on the main thread: sends are queued, so one thread can play both ends): ./zcl example envelopes
 * </pre>
 */
public final class Envelopes {

    static final String USAGE = "usage: envelopes\n";

    /** Frames as each side saw them, rendered by {@link #show}. */
    public record Result(List<String> reqAtRouter, List<String> replyAtReq, List<String> dealerAtRouter,
                         List<String> anonymousAtRouter, boolean unknownIdentitySendReturned, String mandatoryError,
                         String repGotBare, String repGotDelimited, List<String> replyAtDealer) {}

    public static void main(String[] argv) {
        Args args = Args.parse(argv, USAGE);
        if (args.help() || !args.role().isEmpty()) {
            System.out.print(USAGE);
            return;
        }
        run(System.out::println);
    }

    public static Result run(Consumer<String> log) {
        try (ZContext ctx = new ZContext()) {
            Socket router = ctx.createSocket(SocketType.ROUTER);
            router.bind("tcp://127.0.0.1:*");
            router.setReceiveTimeOut(2000);
            String endpoint = router.getLastEndpoint();

            Socket req = connect(ctx, SocketType.REQ, "req-1", endpoint);
            req.send("hello");
            List<String> reqAtRouter = frames(ZMsg.recvMsg(router));
            log.accept("REQ sent 'hello'          -> ROUTER got " + bracketed(reqAtRouter) + "   (identity, delimiter, body)");
            router.sendMore("req-1"); // the first frame picks the connection; the ROUTER removes it
            router.sendMore("");
            router.send("world");
            List<String> replyAtReq = frames(ZMsg.recvMsg(req));
            log.accept("ROUTER sent [req-1][][world] -> REQ got " + bracketed(replyAtReq) + "   (REQ strips the delimiter)");

            Socket dealer = connect(ctx, SocketType.DEALER, "dealer-1", endpoint);
            dealer.send("hello"); // a DEALER need not wait for a reply before sending again
            dealer.send("hello again");
            List<String> dealerAtRouter = frames(ZMsg.recvMsg(router));
            log.accept("DEALER sent 'hello'       -> ROUTER got " + bracketed(dealerAtRouter) + "   (no delimiter)");
            log.accept("DEALER sent 'hello again' -> ROUTER got " + bracketed(frames(ZMsg.recvMsg(router))) + "   (before any reply)");

            Socket anonymous = connect(ctx, SocketType.DEALER, null, endpoint);
            anonymous.send("hi");
            List<String> anonymousAtRouter = frames(ZMsg.recvMsg(router));
            log.accept("DEALER without identity  -> ROUTER got " + bracketed(anonymousAtRouter) + "   (identity made up by the ROUTER)");

            router.sendMore("nobody");
            boolean sent = router.send("lost"); // unknown identity: dropped silently
            String mandatoryError;
            router.setRouterMandatory(true);
            try {
                router.sendMore("nobody");
                router.send("lost");
                mandatoryError = "none";
            } catch (ZMQException e) {
                mandatoryError = ZMQ.Error.findByCode(e.getErrorCode()).name();
            }
            log.accept("ROUTER to unknown 'nobody': send returned " + sent + " (dropped silently); with ROUTER_MANDATORY: "
                    + mandatoryError);

            Socket rep = ctx.createSocket(SocketType.REP);
            rep.bind("tcp://127.0.0.1:*");
            rep.setReceiveTimeOut(300);
            Socket toRep = connect(ctx, SocketType.DEALER, "dealer-2", rep.getLastEndpoint());
            toRep.send("no delimiter");
            String bare = rep.recvStr();
            log.accept("DEALER -> REP [no delimiter]: REP got " + (bare == null ? "nothing in 300 ms (dropped)" : "'" + bare + "'"));
            toRep.sendMore(""); // the fix: write the envelope a REQ would have written
            toRep.send("with delimiter");
            rep.setReceiveTimeOut(2000);
            String delimited = rep.recvStr();
            rep.send("ack");
            toRep.setReceiveTimeOut(2000);
            List<String> replyAtDealer = frames(ZMsg.recvMsg(toRep));
            log.accept("DEALER -> REP [][with delimiter]: REP got '" + delimited + "', replied 'ack' -> DEALER got " + bracketed(replyAtDealer));
            return new Result(reqAtRouter, replyAtReq, dealerAtRouter, anonymousAtRouter, sent, mandatoryError,
                    bare, delimited, replyAtDealer);
        }
    }

    private static Socket connect(ZContext ctx, SocketType type, String identity, String endpoint) {
        Socket socket = ctx.createSocket(type);
        if (identity != null) {
            socket.setIdentity(identity.getBytes(StandardCharsets.UTF_8)); // before connect, or it is ignored
        }
        socket.setReceiveTimeOut(2000);
        socket.connect(endpoint);
        return socket;
    }

    private static List<String> frames(ZMsg msg) {
        if (msg == null) {
            throw new IllegalStateException("expected a message within the receive timeout");
        }
        List<String> shown = new ArrayList<>();
        for (ZFrame frame : msg) {
            shown.add(show(frame.getData()));
        }
        return shown;
    }

    /** Frames side by side, "[req-1][][hello]", so the empty delimiter frame is visible. */
    static String bracketed(List<String> frames) {
        return "[" + String.join("][", frames) + "]";
    }

    /** A frame as text when it is printable, else as hex bytes ("0x00 6b 8b 45 67"). */
    static String show(byte[] frame) {
        boolean printable = true;
        for (byte b : frame) {
            printable &= b >= 0x20 && b < 0x7f;
        }
        if (printable) {
            return new String(frame, StandardCharsets.US_ASCII);
        }
        StringBuilder hex = new StringBuilder("0x");
        for (int i = 0; i < frame.length; i++) {
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", frame[i]));
        }
        return hex.toString();
    }
}
