package io.zcl.basics.pushpull;

import io.zcl.basics.Args;
import io.zcl.basics.PeerWatch;
import io.zcl.basics.RoleThreads;
import io.zcl.basics.StopWhen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ.Socket;

/**
 * Pipeline (PUSH-PULL): a ventilator fans tasks out to workers, a sink fans the results in.
 * <pre>
 * ventilator: PUSH binds --endpoint (tcp://*:5557), sends "task-id cost-ms"; PUSH connects --sink, sends "batch N"
 * worker:     PULL connects --ventilator (tcp://localhost:5557), works; PUSH connects --sink: "worker-id task-id cost"
 * sink:       PULL binds --endpoint (tcp://*:5558); collects one result per task, counts them per worker
 * One process (ventilator on the main thread, sink and workers on threads, each with its own sockets):
 *     ./zcl example push-pull
 * Several terminals:   ./zcl example push-pull sink --endpoint tcp://*:5558
 *   in two more:       ./zcl example push-pull worker --ventilator tcp://localhost:5557 --sink tcp://localhost:5558
 *   in another:        ./zcl example push-pull ventilator --sink tcp://localhost:5558 --workers 2 --tasks 100
 * </pre>
 */
public final class PushPull {

    static final String USAGE = """
            usage: push-pull [ventilator|worker|sink] [options]
              (no role)   everything in one process; --workers N (3) --tasks N (60)
              ventilator  --endpoint tcp://*:5557  --sink tcp://localhost:5558  --tasks N (100)
                          --workers N (1: waits up to 60 s for N workers to connect before sending)
              worker      --ventilator tcp://localhost:5557  --sink tcp://localhost:5558  --id NAME
                          --tasks N  --seconds S  (stop after N tasks or S seconds; 0 = never, the default)
              sink        --endpoint tcp://*:5558  --seconds S (give up after S s; 0 = wait forever)
            """;
    /** A role that exits right after its last send lingers this long so queued messages still go out. */
    static final int LINGER_MS = 5_000;

    /** What the sink saw: results per worker, tasks seen twice, total simulated work, wall time. */
    public record Result(int tasks, Map<String, Integer> perWorker, int duplicates, long workMillis, long elapsedMillis) {
        public int received() {
            return perWorker.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv, USAGE, "endpoint", "sink", "ventilator", "tasks", "workers", "id", "seconds");
        if (args.help()) {
            System.out.print(USAGE);
            return;
        }
        switch (args.role()) {
            case "" -> print(runDemo(args.integer("workers", 3), args.integer("tasks", 60), System.out::println));
            case "ventilator" -> {
                try (ZContext ctx = new ZContext()) {
                    ctx.setLinger(LINGER_MS); // ZContext's default of 0 would drop tasks still queued at exit
                    Socket tasks = ctx.createSocket(SocketType.PUSH);
                    Socket sink = ctx.createSocket(SocketType.PUSH);
                    sink.connect(args.string("sink", "tcp://localhost:5558"));
                    try (PeerWatch workers = new PeerWatch(ctx, tasks)) {
                        tasks.bind(args.string("endpoint", "tcp://*:5557"));
                        int wanted = args.integer("workers", 1);
                        System.out.printf("ventilator: bound %s, waiting for %d worker(s)%n", tasks.getLastEndpoint(), wanted);
                        if (workers.await(wanted, Duration.ofSeconds(60)) < wanted) {
                            throw new IllegalStateException("fewer than " + wanted + " workers connected within 60 s");
                        }
                    }
                    ventilate(tasks, sink, args.integer("tasks", 100), System.out::println);
                }
            }
            case "worker" -> {
                try (ZContext ctx = new ZContext()) {
                    ctx.setLinger(LINGER_MS); // the last results must reach the sink after we stop
                    Socket tasks = ctx.createSocket(SocketType.PULL);
                    tasks.connect(args.string("ventilator", "tcp://localhost:5557"));
                    Socket results = ctx.createSocket(SocketType.PUSH);
                    results.connect(args.string("sink", "tcp://localhost:5558"));
                    String id = args.string("id", "worker-" + ProcessHandle.current().pid());
                    int maxTasks = args.integer("tasks", 0);
                    int seconds = args.integer("seconds", 0);
                    System.out.printf("%s: ready, %s%n", id, StopWhen.describe(maxTasks, seconds));
                    StopWhen stop = StopWhen.after(maxTasks, seconds);
                    work(id, tasks, results, stop, System.out::println);
                }
            }
            case "sink" -> {
                try (ZContext ctx = new ZContext()) {
                    Socket results = ctx.createSocket(SocketType.PULL);
                    results.bind(args.string("endpoint", "tcp://*:5558"));
                    System.out.printf("sink: bound %s%n", results.getLastEndpoint());
                    print(collect(results, StopWhen.after(0, args.integer("seconds", 0)), System.out::println));
                }
            }
            default -> throw Args.unknownRole(args.role(), USAGE);
        }
    }

    /** The whole pipeline in one process, over tcp on ephemeral loopback ports. */
    public static Result runDemo(int workers, int tasks, Consumer<String> log) throws Exception {
        try (ZContext ctx = new ZContext(); RoleThreads threads = new RoleThreads()) {
            Socket sinkIn = ctx.createSocket(SocketType.PULL);
            sinkIn.bind("tcp://127.0.0.1:*");
            String sinkEndpoint = sinkIn.getLastEndpoint();
            Future<Result> sink = threads.start("sink", () -> collect(sinkIn, StopWhen.after(0, 10), log));

            Socket taskOut = ctx.createSocket(SocketType.PUSH);
            AtomicBoolean done = new AtomicBoolean();
            List<Future<Integer>> workerThreads = new ArrayList<>();
            try (PeerWatch connected = new PeerWatch(ctx, taskOut)) {
                taskOut.bind("tcp://127.0.0.1:*");
                String taskEndpoint = taskOut.getLastEndpoint();
                for (int w = 1; w <= workers; w++) {
                    String id = "worker-" + w;
                    workerThreads.add(threads.start(id, () -> {
                        try (Socket in = ctx.createSocket(SocketType.PULL); Socket out = ctx.createSocket(SocketType.PUSH)) {
                            in.connect(taskEndpoint);
                            out.connect(sinkEndpoint);
                            return work(id, in, out, StopWhen.raised(done::get), log);
                        }
                    }));
                }
                // PUSH round-robins only over workers already connected: send before they all
                // joined and the first one would get every task.
                if (connected.await(workers, Duration.ofSeconds(5)) < workers) {
                    throw new IllegalStateException("workers did not connect within 5 s");
                }
            }
            try (Socket toSink = ctx.createSocket(SocketType.PUSH)) {
                toSink.connect(sinkEndpoint);
                ventilate(taskOut, toSink, tasks, log);
                Result result = RoleThreads.await(sink, Duration.ofSeconds(10));
                done.set(true); // workers notice within one receive timeout
                for (Future<Integer> worker : workerThreads) {
                    RoleThreads.await(worker, Duration.ofSeconds(5));
                }
                return result;
            }
        }
    }

    /** Ventilator: announce the batch to the sink, then push the tasks; each costs 1-5 ms of "work". */
    static void ventilate(Socket tasks, Socket sink, int count, Consumer<String> log) {
        sink.send("batch " + count);
        long totalCost = 0;
        for (int task = 1; task <= count; task++) {
            int costMs = 1 + task % 5;
            totalCost += costMs;
            tasks.send(task + " " + costMs);
        }
        log.accept("ventilator: pushed " + count + " tasks, " + totalCost + " ms of work in total");
    }

    /** Worker: pull a task, sleep its cost (the "work"), push "worker-id task-id" to the sink. */
    static int work(String id, Socket tasks, Socket results, StopWhen stop, Consumer<String> log) throws InterruptedException {
        tasks.setReceiveTimeOut(100); // short, so a raised stop flag is seen quickly
        int processed = 0;
        while (!stop.reached(processed)) {
            String task = tasks.recvStr();
            if (task == null) {
                continue;
            }
            String[] idAndCost = task.split(" ");
            Thread.sleep(Integer.parseInt(idAndCost[1]));
            results.send(id + " " + idAndCost[0] + " " + idAndCost[1]);
            processed++;
        }
        log.accept(id + ": processed " + processed + " tasks");
        return processed;
    }

    /**
     * Sink: count results per worker until the whole batch is in. The "batch N" message and the
     * results travel on different connections, so results may arrive first; the clock starts at
     * whichever comes first.
     */
    static Result collect(Socket results, StopWhen stop, Consumer<String> log) {
        results.setReceiveTimeOut(200);
        Map<String, Integer> perWorker = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        int expected = -1;
        int duplicates = 0;
        long work = 0;
        long start = 0;
        while (expected < 0 || seen.size() + duplicates < expected) {
            String message = results.recvStr();
            if (message == null) {
                if (stop.reached(0)) {
                    throw new IllegalStateException("sink gave up: " + seen.size() + " of " + expected + " results");
                }
                continue;
            }
            start = start == 0 ? System.nanoTime() : start;
            String[] parts = message.split(" ");
            if (parts[0].equals("batch")) {
                expected = Integer.parseInt(parts[1]);
                continue;
            }
            perWorker.merge(parts[0], 1, Integer::sum);
            work += Long.parseLong(parts[2]);
            if (!seen.add(parts[1])) {
                duplicates++;
            }
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        log.accept("sink: all " + expected + " results in after " + elapsed + " ms");
        return new Result(expected, perWorker, duplicates, work, elapsed);
    }

    private static void print(Result r) {
        System.out.printf("tasks: %d, results: %d, duplicates: %d%n", r.tasks(), r.received(), r.duplicates());
        r.perWorker().forEach((worker, n) -> System.out.printf("  %-14s %3d tasks%n", worker, n));
        System.out.printf("%d ms of work done in %d ms of wall time by %d workers%n",
                r.workMillis(), r.elapsedMillis(), r.perWorker().size());
    }
}
