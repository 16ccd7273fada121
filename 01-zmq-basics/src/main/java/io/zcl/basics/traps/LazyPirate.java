package io.zcl.basics.traps;

import io.zcl.basics.Args;
import io.zcl.basics.RoleThreads;
import io.zcl.basics.StopWhen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMQException;
import org.zeromq.ZMsg;

/**
 * Trap: a REQ client stuck after a lost reply; the fix is zguide's Lazy Pirate (chapter 4).
 * <pre>
 * server: ROUTER binds --endpoint (tcp://*:5555); echoes each request but drops every --drop-every'th
 *         reply (a ROUTER may simply not answer; a REP would have to reply before it could receive again)
 * naive:  REQ connects; a lost reply leaves it waiting forever (here: a receive timeout), after which the
 *         next send fails, because a REQ must receive before it may send again
 * lazy:   REQ connects; poll with a timeout; on silence close the REQ, open a new one, resend the same
 *         request; give up after --retries
 * One process (server on a thread, clients on the main thread): ./zcl example lazy-pirate
 * Two terminals:   ./zcl example lazy-pirate server --endpoint tcp://*:5555 --drop-every 3
 *   in another terminal:   ./zcl example lazy-pirate client --endpoint tcp://localhost:5555 --requests 10
 * </pre>
 */
public final class LazyPirate {

    static final String USAGE = """
            usage: lazy-pirate [server|client] [options]
              (no role)  naive client, lazy client, and a lazy client facing a server that never answers
              server     --endpoint tcp://*:5555  --drop-every N (3; 0 = never drop)
                         --requests N  --seconds S  (stop after N requests or S seconds; 0 = never, the default)
              client     --endpoint tcp://localhost:5555  --requests N (10)  --timeout-ms T (2500)  --retries N (3)
            """;

    /** The naive client's fate, the lazy client's, and the lazy client's against a silent server. */
    public record Result(int requests, int naiveAnswered, String naiveError, Outcome lazy, Outcome silentServer) {}

    /** How a lazy client fared: replies received, retries made, whether it gave up, time spent. */
    public record Outcome(int answered, int retries, boolean gaveUp, long millis) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "endpoint", "drop-every", "requests", "seconds", "timeout-ms", "retries");
        if (args.help()) {
            System.out.print(USAGE);
            return;
        }
        switch (args.role()) {
            case "" -> {
                Result r = run(args.integer("requests", 5), 300, 3, System.out::println);
                System.out.printf("naive REQ: %d of %d answered, then stuck (%s)%n", r.naiveAnswered(), r.requests(), r.naiveError());
                System.out.printf("lazy pirate: %d of %d answered with %d retries in %d ms%n",
                        r.lazy().answered(), r.requests(), r.lazy().retries(), r.lazy().millis());
                System.out.printf("lazy pirate, server never answers: gave up=%s after %d retries, %d ms%n",
                        r.silentServer().gaveUp(), r.silentServer().retries(), r.silentServer().millis());
            }
            case "server" -> {
                try (ZContext ctx = new ZContext()) {
                    Socket router = ctx.createSocket(SocketType.ROUTER);
                    router.bind(args.string("endpoint", "tcp://*:5555"));
                    int requests = args.integer("requests", 0);
                    int seconds = args.integer("seconds", 0);
                    System.out.printf("server: bound %s, %s%n", router.getLastEndpoint(), StopWhen.describe(requests, seconds));
                    serve(router, args.integer("drop-every", 3), StopWhen.after(requests, seconds), System.out::println);
                }
            }
            case "client" -> {
                try (ZContext ctx = new ZContext()) {
                    Outcome o = lazyClient(ctx, args.string("endpoint", "tcp://localhost:5555"), args.integer("requests", 10),
                            args.integer("timeout-ms", 2500), args.integer("retries", 3), System.out::println);
                    System.out.printf("client: %d answered, %d retries%n", o.answered(), o.retries());
                    if (o.gaveUp()) {
                        throw new IllegalStateException("server seems to be offline, abandoning");
                    }
                }
            }
            default -> throw Args.unknownRole(args.role(), USAGE);
        }
    }

    /** Each client against its own server thread (a fresh reply counter each time), over tcp loopback. */
    public static Result run(int requests, int timeoutMs, int retries, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            AtomicBoolean done = new AtomicBoolean();
            List<Future<Integer>> servers = new ArrayList<>();
            String dropsEveryThird = startServer(ctx, threads, 3, done, servers, log);
            String alsoDropsEveryThird = startServer(ctx, threads, 3, done, servers, log);
            String neverAnswers = startServer(ctx, threads, 1, done, servers, log);
            try {
                log.accept("--- naive REQ client, server drops every 3rd reply");
                Naive naive = naiveClient(ctx, dropsEveryThird, requests, timeoutMs, log);
                log.accept("--- lazy pirate client, server drops every 3rd reply");
                Outcome lazy = lazyClient(ctx, alsoDropsEveryThird, requests, timeoutMs, retries, log);
                log.accept("--- lazy pirate client, server never answers");
                Outcome silent = lazyClient(ctx, neverAnswers, 1, timeoutMs, retries, log);
                return new Result(requests, naive.answered(), naive.error(), lazy, silent);
            } finally {
                done.set(true);
                for (Future<Integer> server : servers) { // each stops within one receive timeout
                    RoleThreads.await(server, Duration.ofSeconds(5));
                }
            }
        }
    }

    private static String startServer(ZContext ctx, RoleThreads threads, int dropEvery, AtomicBoolean done,
                                      List<Future<Integer>> servers, Consumer<String> log) {
        Socket router = ctx.createSocket(SocketType.ROUTER);
        router.bind("tcp://127.0.0.1:*");
        String endpoint = router.getLastEndpoint();
        servers.add(threads.start("server", () -> serve(router, dropEvery, StopWhen.raised(done::get), log)));
        return endpoint;
    }

    /** Server: echo [identity][empty][body] back as is, except every {@code dropEvery}'th request. */
    static int serve(Socket router, int dropEvery, StopWhen stop, Consumer<String> log) {
        router.setReceiveTimeOut(100);
        int received = 0;
        while (!stop.reached(received)) {
            ZMsg request = ZMsg.recvMsg(router);
            if (request == null) {
                continue;
            }
            received++;
            if (dropEvery > 0 && received % dropEvery == 0) {
                log.accept("server: dropping the reply to '" + request.getLast() + "'");
                continue;
            }
            request.send(router); // the envelope (identity, empty frame) routes the echo back
        }
        return received;
    }

    /** Replies the naive client got, and the error that stopped it ("none" if nothing did). */
    record Naive(int answered, String error) {}

    /** The failure: one REQ socket, bounded waits. */
    static Naive naiveClient(ZContext ctx, String endpoint, int requests, int timeoutMs, Consumer<String> log) {
        int answered = 0;
        try (Socket req = ctx.createSocket(SocketType.REQ)) {
            req.connect(endpoint);
            req.setReceiveTimeOut(timeoutMs);
            for (int seq = 1; seq <= requests; seq++) {
                try {
                    req.send(Integer.toString(seq));
                } catch (ZMQException e) {
                    String error = ZMQ.Error.findByCode(e.getErrorCode()).name();
                    log.accept("naive: send of request " + seq + " failed with " + error + ": the REQ is stuck");
                    return new Naive(answered, error);
                }
                String reply = req.recvStr();
                if (reply == null) {
                    log.accept("naive: no reply to " + seq + " within " + timeoutMs + " ms (a plain recv() would wait forever)");
                } else {
                    log.accept("naive: reply " + reply);
                    answered++;
                }
            }
            return new Naive(answered, "none");
        }
    }

    /**
     * The fix. A REQ whose reply was lost can never send again, and there is no call to reset
     * it: the only way out is a new socket. So: wait with a poll timeout; on silence close the
     * REQ (LINGER 0 throws the unanswered request away), open a fresh one and send the same
     * request again. The server may therefore see a request twice, so requests must be safe to
     * repeat (idempotent, e.g. keyed by a command id). After {@code maxRetries} give up: the
     * server is presumed dead, and saying so beats hanging.
     */
    static Outcome lazyClient(ZContext ctx, String endpoint, int requests, int timeoutMs, int maxRetries,
                              Consumer<String> log) {
        long start = System.nanoTime();
        Socket req = connect(ctx, endpoint);
        int answered = 0;
        int retries = 0;
        try {
            for (int seq = 1; seq <= requests; seq++) {
                String request = Integer.toString(seq);
                req.send(request);
                int retriesLeft = maxRetries;
                while (true) {
                    String reply = pollReply(ctx, req, timeoutMs);
                    if (request.equals(reply)) {
                        log.accept("lazy: reply " + reply);
                        answered++;
                        break;
                    }
                    if (reply != null) {
                        throw new IllegalStateException("unexpected reply '" + reply + "' to request " + request);
                    }
                    if (retriesLeft == 0) {
                        log.accept("lazy: no reply to " + seq + " after " + maxRetries + " retries, giving up");
                        return new Outcome(answered, retries, true, millisSince(start));
                    }
                    retriesLeft--;
                    retries++;
                    log.accept("lazy: no reply to " + seq + " within " + timeoutMs + " ms, reconnecting and resending");
                    req.close(); // LINGER 0 (ZContext's default): the unanswered request is discarded with it
                    req = connect(ctx, endpoint);
                    req.send(request);
                }
            }
            return new Outcome(answered, retries, false, millisSince(start));
        } finally {
            req.close();
        }
    }

    private static Socket connect(ZContext ctx, String endpoint) {
        Socket req = ctx.createSocket(SocketType.REQ);
        req.connect(endpoint);
        return req;
    }

    /** Waits up to {@code timeoutMs} for a reply; null if none came. */
    private static String pollReply(ZContext ctx, Socket req, int timeoutMs) {
        try (ZMQ.Poller poller = ctx.createPoller(1)) {
            poller.register(req, ZMQ.Poller.POLLIN);
            return poller.poll(timeoutMs) > 0 && poller.pollin(0) ? req.recvStr() : null;
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
