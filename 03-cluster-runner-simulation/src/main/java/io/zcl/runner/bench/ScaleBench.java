package io.zcl.runner.bench;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * One coordinator (in this JVM) and many agents (in child JVMs, {@link ScaleFarm}) on this machine,
 * running many {@code @noop} commands with bounded concurrency. Counts every result per command
 * id, so a lost or a doubly-delivered command shows; measures the coordinator's heap, CPU and
 * heartbeat traffic while idle and while busy.
 */
public final class ScaleBench {

    /**
     * @param agents      simulated agents (node-1 .. node-N)
     * @param commands    {@code @noop} commands, spread round-robin over the agents
     * @param concurrency commands in flight at most
     * @param jvms        child JVMs the agents are spread over
     * @param heartbeatMs heartbeat interval (coordinator and agents), liveness 3
     * @param ioThreads   ZeroMQ I/O threads per child JVM's context
     * @param idleSeconds how long the connected, idle cluster is watched (heartbeat traffic)
     */
    public record Settings(int agents, int commands, int concurrency, int jvms, int heartbeatMs, int ioThreads,
                           int idleSeconds) {
        public Settings {
            if (agents <= 0 || commands < 0 || concurrency <= 0 || jvms <= 0 || heartbeatMs <= 0 || ioThreads <= 0) {
                throw new IllegalArgumentException("agents, concurrency, jvms, heartbeat and io threads must be positive");
            }
            jvms = Math.min(jvms, agents);
        }

        public static Settings of(int agents, int commands) {
            return new Settings(agents, commands, 256, Math.max(1, (agents + 249) / 250), 1000, 1, 5);
        }
    }

    /** What one run measured. Latencies in microseconds. */
    public record Result(Settings settings, double connectSeconds, long completed, long lost, long duplicated,
                         long notCompleted, long duplicateResultsIgnored, long orphanResults, long nodesLostConnecting,
                         long nodesLostAfter,
                         double runSeconds, double commandsPerSecond, long p50Us, long p99Us, long maxUs,
                         long heapBaselineBytes, long heapConnectedBytes, long heapAfterRunBytes,
                         double idleCpuPercent, double idleCoordinatorThreadCpuPercent, double idleZmqThreadsCpuPercent,
                         double idleHeartbeatsInPerSec,
                         double idleHeartbeatsOutPerSec, double busyCpuPercent, double busyCoordinatorThreadCpuPercent, double busyZmqThreadsCpuPercent,
                         long messagesInDuringRun, long messagesOutDuringRun, int childFdsMax, int childThreadsMax,
                         long protocolErrors) {

        public String markdown(String command) {
            StringBuilder s = new StringBuilder();
            s.append("Command: `").append(command).append("`\n\n");
            s.append(String.format(Locale.ROOT, "%d agents in %d child JVMs (%d ZeroMQ I/O thread(s) each), heartbeat "
                    + "%d ms x liveness 3, one coordinator in the bench JVM; %d `@noop` commands, at most %d in flight.%n%n",
                    settings.agents(), settings.jvms(), settings.ioThreads(), settings.heartbeatMs(), settings.commands(),
                    settings.concurrency()));
            s.append("| measure | value |\n|---|---|\n");
            row(s, "all agents connected after", String.format(Locale.ROOT, "%.1f s", connectSeconds));
            row(s, "commands completed", completed + " of " + settings.commands());
            row(s, "lost (no result)", Long.toString(lost));
            row(s, "duplicated (result delivered twice)", Long.toString(duplicated));
            row(s, "not COMPLETED (NODE_LOST etc.)", Long.toString(notCompleted));
            row(s, "re-sent RESULTs recognised and dropped", Long.toString(duplicateResultsIgnored));
            row(s, "orphan RESULTs / protocol errors", orphanResults + " / " + protocolErrors);
            row(s, "node-lost events while connecting / after (each reconnected)", nodesLostConnecting + " / "
                    + nodesLostAfter);
            row(s, "wall time of the commands", String.format(Locale.ROOT, "%.2f s", runSeconds));
            row(s, "commands/s", String.format(Locale.ROOT, "%.0f", commandsPerSecond));
            row(s, "latency p50 / p99 / max", String.format(Locale.ROOT, "%.2f / %.2f / %.1f ms", p50Us / 1000.0,
                    p99Us / 1000.0, maxUs / 1000.0));
            row(s, "coordinator JVM heap used after GC: before / agents connected / after the run",
                    mib(heapBaselineBytes) + " / " + mib(heapConnectedBytes) + " / " + mib(heapAfterRunBytes));
            row(s, "idle (after the run): CPU of the coordinator JVM (all threads) / its coordinator thread / "
                    + "its JeroMQ threads", String.format(Locale.ROOT, "%.1f %% / %.1f %% / %.1f %% of one core",
                    idleCpuPercent, idleCoordinatorThreadCpuPercent, idleZmqThreadsCpuPercent));
            row(s, "idle (after the run): heartbeat messages in / out per second", String.format(Locale.ROOT, "%.0f / %.0f",
                    idleHeartbeatsInPerSec, idleHeartbeatsOutPerSec));
            row(s, "busy: CPU of the coordinator JVM / its coordinator thread / its JeroMQ threads", String.format(
                    Locale.ROOT, "%.0f %% / %.0f %% / %.0f %% of one core", busyCpuPercent,
                    busyCoordinatorThreadCpuPercent, busyZmqThreadsCpuPercent));
            row(s, "busy: messages in / out during the run", messagesInDuringRun + " / " + messagesOutDuringRun);
            row(s, "child JVM: open files / threads (largest)", childFdsMax + " / " + childThreadsMax);
            return s.toString();
        }

        private static void row(StringBuilder s, String k, String v) {
            s.append("| ").append(k).append(" | ").append(v).append(" |\n");
        }

        private static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
    }

    private ScaleBench() {
    }

    public static Result run(Settings s, Consumer<String> progress) throws Exception {
        long heapBaseline = ZmqContender.usedHeapAfterGc(ManagementFactory.getMemoryMXBean());
        Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        AtomicInteger nodesLost = new AtomicInteger();
        List<Process> farms = new ArrayList<>();
        ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", s.heartbeatMs(),
                3, 10_000));
        coordinator.addListener(new CoordinatorListener() {
            @Override
            public void commandFinished(String nodeId, CommandResult result) {
                deliveries.computeIfAbsent(result.commandId(), k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void nodeLost(String nodeId, String reason) {
                nodesLost.incrementAndGet();
            }
        });
        try {
            String endpoint = coordinator.start();
            long coordThread = threadId("coordinator");
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= s.agents(); i++) {
                ids.add("node-" + i);
            }
            progress.accept("starting " + s.agents() + " agents in " + s.jvms() + " child JVMs");
            long t0 = System.nanoTime();
            int per = (s.agents() + s.jvms() - 1) / s.jvms();
            for (int first = 1; first <= s.agents(); first += per) {
                int count = Math.min(per, s.agents() - first + 1);
                farms.add(ChildJvm.start(ScaleFarm.class, endpoint, Integer.toString(first), Integer.toString(count),
                        Integer.toString(s.heartbeatMs()), Integer.toString(s.ioThreads())));
                // One JVM at a time: a 2-core machine starting 1000 agent threads at once starves them past
                // their liveness before the first WELCOME (a real cluster's nodes boot on their own CPUs).
                coordinator.awaitNodes(ids.subList(first - 1, first - 1 + count), Duration.ofSeconds(120));
            }
            Set<String> missing = coordinator.awaitNodes(ids, Duration.ofSeconds(60));
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            if (!missing.isEmpty()) {
                throw new IllegalStateException(missing.size() + " of " + s.agents() + " agents did not connect within 180 s");
            }
            progress.accept(String.format(Locale.ROOT, "all %d agents connected in %.1f s", s.agents(), connectSeconds));
            Thread.sleep(2L * s.heartbeatMs());
            long heapConnected = ZmqContender.usedHeapAfterGc(ManagementFactory.getMemoryMXBean());
            int lostWhileConnecting = nodesLost.get();

            progress.accept("running " + s.commands() + " @noop commands, " + s.concurrency() + " in flight at most");
            Histogram latency = new Histogram(60_000_000L, 3);
            Semaphore window = new Semaphore(s.concurrency());
            List<CompletableFuture<CommandResult>> futures = new ArrayList<>(s.commands());
            Sample busy0 = Sample.take(coordinator, coordThread);
            long r0 = System.nanoTime();
            for (int i = 0; i < s.commands(); i++) {
                window.acquire();
                String node = ids.get(i % ids.size());
                long start = System.nanoTime();
                CompletableFuture<CommandResult> f = coordinator.executor(node).run(new Command("scale-" + i,
                        List.of(NodeAgent.BUILTIN_NOOP), Map.of(), null, Duration.ofSeconds(60)), null);
                futures.add(f.whenComplete((r, e) -> {
                    synchronized (latency) {
                        latency.recordValue(Math.min(60_000_000L, (System.nanoTime() - start) / 1000));
                    }
                    window.release();
                }));
            }
            long completed = 0;
            long notCompleted = 0;
            long lost = 0;
            for (CompletableFuture<CommandResult> f : futures) {
                try {
                    CommandResult r = f.get(120, TimeUnit.SECONDS);
                    if (r.status() == CommandResult.Status.COMPLETED) {
                        completed++;
                    } else {
                        notCompleted++;
                    }
                } catch (Exception e) {
                    lost++;
                }
            }
            double runSeconds = (System.nanoTime() - r0) / 1e9;
            Sample busy1 = Sample.take(coordinator, coordThread);
            // A late duplicate would show here: give re-sent RESULTs a moment to arrive.
            Thread.sleep(500);
            long duplicated = 0;
            for (int i = 0; i < s.commands(); i++) {
                AtomicInteger n = deliveries.get("scale-" + i);
                if (n != null && n.get() > 1) {
                    duplicated++;
                }
            }
            long heapAfter = ZmqContender.usedHeapAfterGc(ManagementFactory.getMemoryMXBean());
            // After the run (the JIT has warmed up), a quiet cluster: only heartbeats flow.
            progress.accept("watching the idle cluster for " + s.idleSeconds() + " s");
            Sample idle0 = Sample.take(coordinator, coordThread);
            Thread.sleep(s.idleSeconds() * 1000L);
            Sample idle1 = Sample.take(coordinator, coordThread);
            int[] childStats = childStats(farms);
            ZmqCoordinator.Stats st = coordinator.stats();
            double idleSec = (idle1.nanos - idle0.nanos) / 1e9;
            double busySec = (busy1.nanos - busy0.nanos) / 1e9;
            return new Result(s, connectSeconds, completed, lost, duplicated, notCompleted, st.duplicateResults(),
                    st.orphanResults(), lostWhileConnecting, nodesLost.get() - lostWhileConnecting, runSeconds, s.commands() / runSeconds,
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue(),
                    heapBaseline, heapConnected, heapAfter,
                    100.0 * (idle1.processCpuNs - idle0.processCpuNs) / 1e9 / idleSec,
                    100.0 * (idle1.threadCpuNs - idle0.threadCpuNs) / 1e9 / idleSec,
                    100.0 * (idle1.zmqCpuNs - idle0.zmqCpuNs) / 1e9 / idleSec,
                    (idle1.in - idle0.in) / idleSec, (idle1.out - idle0.out) / idleSec,
                    100.0 * (busy1.processCpuNs - busy0.processCpuNs) / 1e9 / busySec,
                    100.0 * (busy1.threadCpuNs - busy0.threadCpuNs) / 1e9 / busySec,
                    100.0 * (busy1.zmqCpuNs - busy0.zmqCpuNs) / 1e9 / busySec,
                    busy1.in - busy0.in, busy1.out - busy0.out, childStats[0], childStats[1], st.protocolErrors());
        } finally {
            for (Process p : farms) {
                p.getOutputStream().close();
            }
            for (Process p : farms) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            coordinator.close();
        }
    }

    /** Counters at one instant: process CPU, the coordinator thread's CPU, messages in and out. */
    private record Sample(long nanos, long processCpuNs, long threadCpuNs, long zmqCpuNs, long in, long out) {
        static Sample take(ZmqCoordinator c, long threadId) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            ZmqCoordinator.Stats st = c.stats();
            long zmq = 0;
            for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
                // JeroMQ's own threads: the I/O thread(s) that move the bytes, and the reaper.
                if (t != null && (t.getThreadName().startsWith("iothread") || t.getThreadName().startsWith("reaper"))) {
                    zmq += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
                }
            }
            return new Sample(System.nanoTime(), cpu, threadId < 0 ? 0 : threads.getThreadCpuTime(threadId), zmq,
                    st.messagesIn(), st.messagesOut());
        }
    }

    private static long threadId(String name) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().equals(name)) {
                return t.getThreadId();
            }
        }
        return -1;
    }

    /** The largest open-file and thread count among the child JVMs (Linux /proc; -1 elsewhere). */
    private static int[] childStats(List<Process> farms) {
        int fds = -1;
        int threads = -1;
        for (Process p : farms) {
            try (var list = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
                fds = Math.max(fds, (int) list.count());
            } catch (Exception e) {
                // not Linux
            }
            try (var list = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
                threads = Math.max(threads, (int) list.count());
            } catch (Exception e) {
                // not Linux
            }
        }
        return new int[] {fds, threads};
    }
}
