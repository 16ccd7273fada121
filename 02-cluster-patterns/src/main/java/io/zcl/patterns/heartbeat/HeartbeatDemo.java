package io.zcl.patterns.heartbeat;

import io.zcl.patterns.protocol.Protocol;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZFrame;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMsg;

/**
 * Heartbeat: Paranoid Pirate liveness and reconnect backoff (RFC 6/PPP, zguide ch.4), nothing else.
 *
 * <pre>
 *   server  ROUTER  bind     tcp://*:5580        HEARTBEAT to every client it has heard, each interval
 *   client  DEALER  connect  tcp://localhost:5580  READY once, then HEARTBEAT each interval
 * </pre>
 * The client calls the server dead after liveness x interval without a single message
 * ({@link Liveness}), closes its socket, waits 1 s, 2 s, 4 s ... with jitter ({@link Backoff})
 * and connects a new socket that says READY again. ZeroMQ would reconnect the old socket by
 * itself, but it cannot tell a dead server from a quiet one: that is what the heartbeat adds.
 *
 * <p>One process (server and client threads, each with its own socket): the server stops after
 * 3 s and a new one starts 4 s later; heartbeat 500 ms x liveness 3, backoff 500 ms doubling:
 * <pre>
 *   ./zcl example heartbeat
 * </pre>
 * Two processes (defaults 1000 ms x 3, backoff 1 s to 32 s); Ctrl-C the server, start it again:
 * <pre>
 *   ./zcl example heartbeat server --bind tcp://*:5580
 *   # in another terminal:
 *   ./zcl example heartbeat client --connect tcp://localhost:5580
 * </pre>
 */
public final class HeartbeatDemo {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private static volatile boolean running = true;

    public static void main(String[] args) throws Exception {
        running = true;
        String role = args.length > 0 && !args[0].startsWith("--") ? args[0] : "demo";
        String endpoint = option(args, "--bind", option(args, "--connect", null));
        long interval = Long.parseLong(option(args, "--heartbeat-ms", role.equals("demo") ? "500" : "1000"));
        int liveness = Integer.parseInt(option(args, "--liveness", "3"));
        switch (role) {
            case "server" -> untilCtrlC(() -> server(endpoint == null ? "tcp://*:5580" : endpoint, interval,
                    () -> running, e -> { }));
            case "client" -> untilCtrlC(() -> client(endpoint == null ? "tcp://localhost:5580" : endpoint, interval,
                    liveness, Protocol.RECONNECT_MS, null));
            case "demo" -> demo(interval, liveness);
            default -> throw new IllegalArgumentException("roles: server, client, or none for the demo");
        }
    }

    private static void demo(long interval, int liveness) throws Exception {
        log("demo", "heartbeat %d ms x liveness %d: the client calls the server dead after %d ms of silence",
                interval, liveness, interval * liveness);
        CompletableFuture<String> bound = new CompletableFuture<>();
        long firstServerUntil = now() + 3000;
        Thread first = new Thread(() -> server("tcp://127.0.0.1:*", interval,
                () -> running && now() < firstServerUntil, bound::complete), "server-1");
        first.start();
        String endpoint = bound.get(10, TimeUnit.SECONDS);
        CountDownLatch recovered = new CountDownLatch(1);
        Thread client = new Thread(() -> client(endpoint, interval, liveness, interval, recovered), "client");
        client.start();
        first.join();
        log("demo", "server gone; a new one starts on the same port in 4 s");
        Thread.sleep(4000);
        Thread second = new Thread(() -> server(endpoint, interval, () -> running, e -> { }), "server-2");
        second.start();
        boolean ok = recovered.await(20, TimeUnit.SECONDS);
        running = false;
        client.join(5000);
        second.join(5000);
        if (!ok) {
            throw new IllegalStateException("the client did not find the new server within 20 s");
        }
        log("demo", "done: the client found the new server and said READY again");
    }

    /** Heartbeats every client it has heard from, while {@code keepGoing}. */
    static void server(String endpoint, long interval, BooleanSupplier keepGoing, Consumer<String> onBound) {
        try (ZContext ctx = new ZContext()) {
            Socket router = ctx.createSocket(SocketType.ROUTER);
            router.setLinger(0);
            router.setReceiveTimeOut((int) Math.min(interval, Protocol.MAX_POLL_MS));
            router.bind(endpoint);
            log("server", "bound %s", router.getLastEndpoint());
            onBound.accept(router.getLastEndpoint());
            Set<String> clients = new LinkedHashSet<>();
            long nextBeat = now() + interval;
            while (keepGoing.getAsBoolean()) {
                ZMsg msg = ZMsg.recvMsg(router);
                if (msg != null) {
                    String id = msg.popString();
                    ZFrame command = msg.pop();
                    if (clients.add(id) && command != null && command.getData()[0] == Protocol.READY) {
                        log("server", "%s said READY", id);
                    }
                    msg.destroy();
                }
                if (now() >= nextBeat) {
                    for (String id : clients) {
                        router.sendMore(id);
                        router.send(new byte[] {Protocol.HEARTBEAT});
                    }
                    nextBeat = now() + interval;
                }
            }
            log("server", "stopping");
        }
    }

    /** Reconnects with backoff when the server has been silent too long; counts down {@code recovered} after a reconnect works. */
    static void client(String endpoint, long interval, int liveness, long firstBackoffMs, CountDownLatch recovered) {
        Backoff backoff = new Backoff(firstBackoffMs, Protocol.RECONNECT_MAX_MS);
        boolean reconnected = false;
        try (ZContext ctx = new ZContext()) {
            while (running) {
                Socket dealer = ctx.createSocket(SocketType.DEALER);
                dealer.setLinger(0);
                dealer.setIdentity("client".getBytes(ZMQ.CHARSET));
                dealer.setReceiveTimeOut((int) Math.min(interval, Protocol.MAX_POLL_MS));
                dealer.connect(endpoint);
                dealer.send(new byte[] {Protocol.READY});
                log("client", "new socket, connect %s, READY", endpoint);
                Liveness server = new Liveness(interval, liveness, now());
                long nextBeat = now() + interval;
                boolean heardOnce = false;
                while (running && !server.expired(now())) {
                    ZMsg msg = ZMsg.recvMsg(dealer);
                    if (msg != null) {
                        server.heard(now());
                        backoff.reset();
                        msg.destroy();
                        if (!heardOnce) {
                            heardOnce = true;
                            log("client", "heard the server");
                            if (reconnected && recovered != null) {
                                recovered.countDown();
                            }
                        }
                    }
                    if (now() >= nextBeat) {
                        dealer.send(new byte[] {Protocol.HEARTBEAT}, ZMQ.DONTWAIT);
                        nextBeat = now() + interval;
                    }
                }
                dealer.close();
                if (!running) {
                    return;
                }
                long delay = backoff.nextDelayMs();
                log("client", "server silent for %d ms (liveness %d x %d ms): new socket in %d ms (attempt %d)",
                        server.silentFor(now()), liveness, interval, delay, backoff.attempts());
                long until = now() + delay;
                while (running && now() < until) {
                    Thread.sleep(Math.min(until - now(), Protocol.MAX_POLL_MS));
                }
                reconnected = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void untilCtrlC(Runnable role) throws InterruptedException {
        Thread worker = new Thread(role, "role");
        Thread hook = new Thread(() -> {
            running = false;
            joinQuietly(worker);
        });
        Runtime.getRuntime().addShutdownHook(hook);
        worker.start();
        worker.join();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is already running.
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private static long now() {
        return Liveness.MONOTONIC_MILLIS.getAsLong();
    }

    private static void log(String role, String format, Object... args) {
        System.out.printf("%s %-7s %s%n", LocalTime.now().format(TIME), role, String.format(format, args));
    }

    private HeartbeatDemo() {
    }
}
