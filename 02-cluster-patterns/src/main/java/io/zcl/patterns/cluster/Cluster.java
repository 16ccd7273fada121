package io.zcl.patterns.cluster;

import io.zcl.patterns.protocol.Protocol;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Cluster: a coordinator hands shell commands to workers, least recently used first; workers and
 * coordinator heartbeat each other (Paranoid Pirate, RFC 6/PPP); a monitor shows a live table.
 * Kill a worker and its task is re-queued; a late duplicate result is dropped by task id.
 *
 * <pre>
 *   coordinator  ROUTER bind tcp://*:5570  tasks:    READY, HEARTBEAT, TASK, RESULT, DISCONNECT
 *                PUB    bind tcp://*:5571  events:   worker.joined/lost, task.dispatched/done/requeued, snapshot
 *                ROUTER bind tcp://*:5572  snapshot: "SNAPSHOT" request, the whole state as reply
 *   worker       DEALER connect :5570      (+ an inproc PAIR to its own command-runner thread)
 *   monitor      SUB    connect :5571, DEALER connect :5572
 * </pre>
 * Frames and bodies: {@link Protocol}. Roles: {@link Coordinator}, {@link Worker}, {@link Monitor}.
 *
 * <p>One process (threads, each role with its own ZContext and sockets, over tcp on loopback):
 * <pre>
 *   ./zcl example cluster
 * </pre>
 * runs a coordinator, 4 workers and a late-joining monitor; w2 crashes on its 4th task, w3 stalls
 * on its 6th for 2 s. Demo heartbeat: 250 ms x liveness 3 (dead after 750 ms of silence),
 * reconnect backoff 250 ms doubling to 4 s. It ends with one line:
 * {@code SUMMARY tasks=<n> done=<n> lost=0 duplicates=0 dead_detected_ms=<ms>}, where
 * dead_detected_ms is the slower of the two detections, from the crash/stall to "worker lost".
 *
 * <p>Several processes (defaults: heartbeat 1000 ms x liveness 3, backoff 1 s to 32 s):
 * <pre>
 *   ./zcl example cluster coordinator --bind tcp://*:5570 --events tcp://*:5571 --snapshot tcp://*:5572 --tasks 40
 *   # in another terminal, two or more of:
 *   ./zcl example cluster worker --connect tcp://localhost:5570 --name w1
 *   ./zcl example cluster worker --connect tcp://localhost:5570 --name w2 --crash-after 3
 *   # in another terminal (any time, even late):
 *   ./zcl example cluster monitor --events tcp://localhost:5571 --snapshot tcp://localhost:5572
 * </pre>
 * Ctrl-C a coordinator and start it again: the workers notice the silence, reconnect with backoff
 * and say READY to the new one.
 */
public final class Cluster {

    /** The demo's one-line verdict. */
    public record Summary(int tasks, int done, int lost, int duplicates, long deadDetectedMs) {
        public String line() {
            return String.format(Locale.ROOT, "SUMMARY tasks=%d done=%d lost=%d duplicates=%d dead_detected_ms=%d",
                    tasks, done, lost, duplicates, deadDetectedMs);
        }
    }

    /** Demo knobs; the defaults are the numbers the header states. */
    public record DemoOptions(int tasks, long taskMs, long heartbeatMs, int liveness, long stallMs) {
        public static DemoOptions defaults() {
            return new DemoOptions(60, 100, 250, 3, 2000);
        }
    }

    public static void main(String[] args) throws Exception {
        String role = args.length > 0 && !args[0].startsWith("--") ? args[0] : "demo";
        int from = role.equals("demo") ? 0 : 1;
        switch (role) {
            case "demo" -> demoMain(args, from);
            case "coordinator" -> coordinatorMain(args, from);
            case "worker" -> workerMain(args, from);
            case "monitor" -> monitorMain(args, from);
            default -> throw new IllegalArgumentException("unknown role '" + role + "': use coordinator, worker or monitor, or none for the demo");
        }
    }

    private static void demoMain(String[] argv, int from) throws InterruptedException {
        Args a = Args.parse(argv, from, Set.of("--tasks", "--task-ms", "--heartbeat-ms", "--liveness", "--stall-ms"),
                Set.of("--help"));
        if (a.has("--help")) {
            System.out.println("cluster [--tasks 60] [--task-ms 100] [--heartbeat-ms 250] [--liveness 3] [--stall-ms 2000]");
            return;
        }
        DemoOptions d = DemoOptions.defaults();
        DemoOptions options = new DemoOptions(a.getInt("--tasks", d.tasks()), a.getLong("--task-ms", d.taskMs()),
                a.getLong("--heartbeat-ms", d.heartbeatMs()), a.getInt("--liveness", d.liveness()),
                a.getLong("--stall-ms", d.stallMs()));
        Summary summary = runDemo(options, System.out);
        if (summary.lost() != 0 || summary.duplicates() != 0 || summary.done() != summary.tasks()) {
            throw new IllegalStateException("the cluster lost or double-counted tasks: " + summary.line());
        }
    }

    /** The one-process demo; prints as it goes and returns the summary it printed last. */
    public static Summary runDemo(DemoOptions o, PrintStream out) throws InterruptedException {
        Log log = Log.to(out, "demo");
        log.info("coordinator + 4 workers + monitor in one process; heartbeat %d ms x liveness %d = dead after %d ms; "
                        + "%d tasks of ~%d ms; w2 crashes on its 4th task, w3 stalls on its 6th for %d ms",
                o.heartbeatMs(), o.liveness(), o.heartbeatMs() * o.liveness(), o.tasks(), o.taskMs(), o.stallMs());
        Map<String, List<Long>> lostAt = new ConcurrentHashMap<>();
        Set<String> joined = ConcurrentHashMap.newKeySet();
        CountDownLatch allJoined = new CountDownLatch(4);
        Coordinator.Settings cs = Coordinator.Settings.loopback()
                .withHeartbeat(o.heartbeatMs(), o.liveness()).withLog(log.forRole("coordinator"));
        List<Worker> workers = new ArrayList<>();
        Monitor monitor = null;
        Coordinator.Report report;
        try (Coordinator coordinator = new Coordinator(cs, Tasks.squares(o.tasks(), o.taskMs())).onEvent(e -> {
            if (e.type().equals(Protocol.TOPIC_LOST)) {
                lostAt.computeIfAbsent(e.worker(), k -> new CopyOnWriteArrayList<>()).add(e.at());
            } else if (e.type().equals(Protocol.TOPIC_JOINED) && joined.add(e.worker())) {
                allJoined.countDown();
            }
        }).start()) {
            for (int i = 1; i <= 4; i++) {
                String name = "w" + i;
                Worker.Settings ws = Worker.Settings.of(name, coordinator.tasksEndpoint())
                        .withHeartbeat(o.heartbeatMs(), o.liveness())
                        .withReconnect(o.heartbeatMs(), 16 * o.heartbeatMs())
                        .withLog(log.forRole(name));
                if (name.equals("w2")) {
                    ws = ws.withChaos(3, -1, 0, false);
                } else if (name.equals("w3")) {
                    ws = ws.withChaos(-1, 5, o.stallMs(), false);
                }
                workers.add(new Worker(ws).start());
            }
            if (!allJoined.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("workers did not join within 10 s");
            }
            // The monitor joins late on purpose: its first table comes from a snapshot, not from events.
            monitor = new Monitor(Monitor.Settings.of(coordinator.eventsEndpoint(), coordinator.snapshotEndpoint())
                    .withPrinting(1000, out, false).withHeartbeat(o.heartbeatMs(), o.liveness())).start();
            if (!coordinator.awaitAllDone(Duration.ofSeconds(25))) {
                throw new IllegalStateException("not all tasks done within 25 s: " + coordinator.report());
            }
            // The last events are on their way to the monitor: give it a moment for the final table.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (monitor.tasksDone() < o.tasks() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            monitor.close();
            out.print(monitor.render());
            for (Worker w : workers) {
                w.close();
            }
            report = coordinator.report();
        } finally {
            for (Worker w : workers) {
                w.close();
            }
            if (monitor != null) {
                monitor.close();
            }
        }

        long slowest = -1;
        for (Worker w : workers) {
            // The first "lost" at or after the failure: on a loaded machine a worker can also be
            // lost (and come back) earlier, for real, when its heartbeats were late.
            long declared = lostAt.getOrDefault(w.name(), List.of()).stream()
                    .filter(at -> w.chaosAt() >= 0 && at >= w.chaosAt()).findFirst().orElse(-1L);
            if (declared >= 0) {
                long detected = declared - w.chaosAt();
                log.info("%s went %s; the coordinator declared it dead %d ms later", w.name(),
                        w.name().equals("w2") ? "down (crash)" : "silent (stall)", detected);
                slowest = Math.max(slowest, detected);
            }
        }
        Set<String> distinct = new HashSet<>();
        long sum = 0;
        for (Coordinator.Accepted r : report.accepted()) {
            distinct.add(r.taskId());
            sum += parseOrZero(r.result().output());
        }
        log.info("results counted: %d; duplicates dropped: %d; tasks re-queued: %d; results add up to %d (expected %d)",
                report.accepted().size(), report.duplicatesDropped(), report.requeued(), sum, Tasks.expectedSum(o.tasks()));
        Summary summary = new Summary(o.tasks(), report.accepted().size(), o.tasks() - distinct.size(),
                report.accepted().size() - distinct.size(), slowest);
        if (sum != Tasks.expectedSum(o.tasks())) {
            throw new IllegalStateException("results do not add up: " + sum + " != " + Tasks.expectedSum(o.tasks()));
        }
        out.println(summary.line());
        out.flush();
        return summary;
    }

    private static void coordinatorMain(String[] argv, int from) throws InterruptedException {
        Args a = Args.parse(argv, from, Set.of("--bind", "--events", "--snapshot", "--tasks", "--task-ms",
                "--heartbeat-ms", "--liveness"), Set.of("--forever", "--help"));
        if (a.has("--help")) {
            System.out.println("cluster coordinator [--bind tcp://*:5570] [--events tcp://*:5571] [--snapshot tcp://*:5572]"
                    + " [--tasks 40] [--task-ms 500] [--heartbeat-ms 1000] [--liveness 3] [--forever]");
            return;
        }
        int count = a.getInt("--tasks", 40);
        Coordinator.Settings settings = Coordinator.Settings.defaults()
                .withEndpoints(a.get("--bind", Protocol.DEFAULT_TASKS_BIND), a.get("--events", Protocol.DEFAULT_EVENTS_BIND),
                        a.get("--snapshot", Protocol.DEFAULT_SNAPSHOT_BIND))
                .withHeartbeat(a.getLong("--heartbeat-ms", Protocol.HEARTBEAT_MS), a.getInt("--liveness", Protocol.LIVENESS));
        Coordinator coordinator = new Coordinator(settings, Tasks.squares(count, a.getLong("--task-ms", 500))).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = onCtrlC(() -> {
            stopped.countDown();
            coordinator.close();
        });
        try {
            boolean done = false;
            while (!done && stopped.getCount() > 0) {
                done = coordinator.awaitAllDone(Duration.ofSeconds(1));
            }
            if (done) {
                Coordinator.Report r = coordinator.report();
                long sum = r.accepted().stream().mapToLong(x -> parseOrZero(x.result().output())).sum();
                System.out.printf("coordinator: tasks %d, results counted %d, duplicates dropped %d, re-queued %d, "
                                + "workers lost %d; results add up: %s%n", r.tasks(), r.done(), r.duplicatesDropped(),
                        r.requeued(), r.workersLost(), sum == Tasks.expectedSum(count) ? "yes" : "NO");
                if (a.has("--forever")) {
                    System.out.println("coordinator: --forever: still heartbeating, Ctrl-C to stop");
                    stopped.await();
                }
            }
        } finally {
            coordinator.close();
            removeHook(hook);
        }
    }

    private static void workerMain(String[] argv, int from) {
        Args a = Args.parse(argv, from, Set.of("--connect", "--name", "--heartbeat-ms", "--liveness", "--reconnect-ms",
                "--reconnect-max-ms", "--crash-after", "--stall-after", "--stall-ms"), Set.of("--help"));
        if (a.has("--help")) {
            System.out.println("cluster worker [--connect tcp://localhost:5570] [--name worker-PID] [--heartbeat-ms 1000]"
                    + " [--liveness 3] [--reconnect-ms 1000] [--reconnect-max-ms 32000] [--crash-after N]"
                    + " [--stall-after N] [--stall-ms 0 (forever)]");
            return;
        }
        String name = a.get("--name", "worker-" + ProcessHandle.current().pid());
        Worker worker = new Worker(Worker.Settings.of(name, a.get("--connect", Protocol.DEFAULT_TASKS_CONNECT))
                .withHeartbeat(a.getLong("--heartbeat-ms", Protocol.HEARTBEAT_MS), a.getInt("--liveness", Protocol.LIVENESS))
                .withReconnect(a.getLong("--reconnect-ms", Protocol.RECONNECT_MS),
                        a.getLong("--reconnect-max-ms", Protocol.RECONNECT_MAX_MS))
                .withChaos(a.getInt("--crash-after", -1), a.getInt("--stall-after", -1), a.getLong("--stall-ms", 0), true))
                .start();
        Thread hook = onCtrlC(worker::close);
        while (worker.isAlive()) {
            worker.join(500);
        }
        removeHook(hook);
    }

    private static void monitorMain(String[] argv, int from) throws InterruptedException {
        Args a = Args.parse(argv, from, Set.of("--events", "--snapshot", "--print-ms", "--heartbeat-ms", "--liveness"),
                Set.of("--help"));
        if (a.has("--help")) {
            System.out.println("cluster monitor [--events tcp://localhost:5571] [--snapshot tcp://localhost:5572] [--print-ms 1000]"
                    + " [--heartbeat-ms 1000] [--liveness 3] (the coordinator's heartbeat: it publishes a snapshot each one)");
            return;
        }
        Monitor monitor = new Monitor(Monitor.Settings.of(a.get("--events", Protocol.DEFAULT_EVENTS_CONNECT),
                a.get("--snapshot", Protocol.DEFAULT_SNAPSHOT_CONNECT)).withPrinting(a.getLong("--print-ms", 1000), System.out, true)
                .withHeartbeat(a.getLong("--heartbeat-ms", Protocol.HEARTBEAT_MS), a.getInt("--liveness", Protocol.LIVENESS)))
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = onCtrlC(() -> {
            stopped.countDown();
            monitor.close();
        });
        stopped.await();
        removeHook(hook);
    }

    /** Ctrl-C stops a role by its flag, so its sockets close cleanly before the JVM exits. */
    private static Thread onCtrlC(Runnable stop) {
        Thread hook = new Thread(stop, "ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or has run: nothing to remove.
        }
    }

    private static long parseOrZero(String output) {
        try {
            return Long.parseLong(output.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Cluster() {
    }
}
