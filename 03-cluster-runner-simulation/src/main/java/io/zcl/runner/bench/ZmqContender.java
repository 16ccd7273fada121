package io.zcl.runner.bench;

import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.sim.AgentFarm;
import io.zcl.runner.sim.FarmKeys;
import io.zcl.runner.sim.TempDirs;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordinator in this JVM; the N agents in a child JVM ({@link AgentFarm}), so the process
 * being measured holds only the coordinator and every command crosses a real tcp connection.
 *
 * <p>With CURVE ("zmq-curve") the coordinator is a CURVE server whose allow-list holds one fresh
 * key pair per node; the farm reads the nodes' secret keys and the coordinator's public key from a
 * 0600 key folder in a 0700 temp dir ({@link FarmKeys}), deleted once every agent has connected.
 */
final class ZmqContender implements Contender {

    private final int heartbeatMs;
    private final int liveness = 3;
    private ZmqCoordinator coordinator;
    /**
     * Agents per farm JVM. Every process a JVM starts pays, in the kernel, for every file the JVM
     * has open: the child lists /proc/self/fd and closes each one before it execs, and reaping it
     * evicts those /proc entries again. One JVM holding 64 agents has about 1,100 files open (17
     * per agent), so each `true` cost it 7.7-9 ms of CPU against 2 ms in a JVM of 8 agents (perf:
     * the time was in the JDK's process reaper threads, in proc_evict_inode, d_drop and slab
     * frees). A real node runs one agent in its own JVM, so the bench splits its farm into JVMs of
     * at most this many agents (docs/performance.md, "Where the agent's CPU goes").
     */
    static final int AGENTS_PER_FARM_JVM = 8;

    private final List<Process> farms = new ArrayList<>();
    private List<String> nodeIds = List.of();
    private volatile CountDownLatch firstLost = new CountDownLatch(1);
    private final AtomicLong lostWhileMeasuring = new AtomicLong();
    private volatile boolean killed;
    private long coordinatorBytes = -1;
    private final boolean curve;
    private Path keyDir;

    ZmqContender(int heartbeatMs) {
        this(heartbeatMs, false);
    }

    /** @param curve CURVE between the coordinator and the agents, each node with its own key pair */
    ZmqContender(int heartbeatMs, boolean curve) {
        this.heartbeatMs = heartbeatMs;
        this.curve = curve;
    }

    @Override
    public String name() {
        return curve ? "zmq-curve" : "zmq";
    }

    @Override
    public Duration connect(int nodes) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            ids.add("node-" + i);
        }
        coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", heartbeatMs, liveness, 5_000));
        List<String> farmArgs = new ArrayList<>();
        if (curve) {
            CurveKeys server = CurveKeys.generate();
            Map<String, CurveKeys> keys = new LinkedHashMap<>();
            ids.forEach(id -> keys.put(id, CurveKeys.generate()));
            keyDir = Files.createTempDirectory("zcl-bench-keys-"); // 0700
            FarmKeys.write(keyDir, server, keys);
            coordinator.secure(new Curve.Server(server, KeyAllowList.named(keys)));
            farmArgs.add(keyDir.toString());
        }
        coordinator.addListener(new CoordinatorListener() {
            @Override
            public void nodeLost(String nodeId, String reason) {
                if (!killed) {
                    lostWhileMeasuring.incrementAndGet();
                }
                firstLost.countDown();
            }
        });
        String endpoint = coordinator.start();
        long before = usedHeapAfterGc(memory);
        long t0 = System.nanoTime();
        for (int first = 1; first <= nodes; first += AGENTS_PER_FARM_JVM) {
            int last = Math.min(nodes, first + AGENTS_PER_FARM_JVM - 1);
            List<String> args = new ArrayList<>(List.of(endpoint, Integer.toString(nodes), Integer.toString(heartbeatMs),
                    farmArgs.isEmpty() ? "-" : farmArgs.get(0), Integer.toString(first), Integer.toString(last)));
            farms.add(ChildJvm.start(AgentFarm.class, args.toArray(String[]::new)));
        }
        Set<String> missing = Set.copyOf(ids);
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            missing = coordinator.awaitNodes(ids, Duration.ofMillis(500));
            for (Process farm : farms) {
                if (!missing.isEmpty() && !farm.isAlive()) {
                    throw new IllegalStateException("an agent farm JVM exited with status " + farm.exitValue()
                            + " before its agents connected");
                }
            }
        }
        Duration setup = Duration.ofNanos(System.nanoTime() - t0);
        if (!missing.isEmpty()) {
            throw new IllegalStateException(missing.size() + " agents did not connect within 120 s"
                    + (curve ? " (CURVE handshakes refused: " + coordinator.handshakesRefused() + ")" : ""));
        }
        deleteKeys(); // every agent holds its keys in memory now
        if (curve && coordinator.handshakesAccepted() < nodes) {
            throw new IllegalStateException("zmq-curve: only " + coordinator.handshakesAccepted() + " CURVE handshakes for "
                    + nodes + " connected agents");
        }
        coordinatorBytes = Math.max(0, usedHeapAfterGc(memory) - before);
        nodeIds = List.copyOf(ids);
        return setup;
    }

    static long usedHeapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Override
    public List<String> nodeIds() {
        return nodeIds;
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        return coordinator.executor(nodeId);
    }

    @Override
    public Duration killAndDetect() throws Exception {
        firstLost = new CountDownLatch(1);
        killed = true;
        long t0 = System.nanoTime();
        farms.forEach(Process::destroyForcibly); // SIGKILL: no BYE, only silence
        if (!firstLost.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no node reported lost within 60 s of killing the agents");
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public OptionalLong nodeCpuNanos() {
        if (farms.isEmpty()) {
            return OptionalLong.empty();
        }
        long sum = 0;
        for (Process farm : farms) {
            OptionalLong cpu = CpuTime.of(farm.pid(), true);
            if (cpu.isEmpty()) {
                return cpu;
            }
            sum += cpu.getAsLong();
        }
        return OptionalLong.of(sum);
    }

    @Override
    public OptionalLong nodesLostWhileMeasuring() {
        return OptionalLong.of(lostWhileMeasuring.get());
    }

    @Override
    public OptionalLong coordinatorBytes() {
        return coordinatorBytes < 0 ? OptionalLong.empty() : OptionalLong.of(coordinatorBytes);
    }

    @Override
    public String detectionNote() {
        return "heartbeat " + heartbeatMs + " ms x liveness " + liveness + " = " + heartbeatMs * liveness
                + " ms of silence (ROUTER does not report a closed connection)";
    }

    @Override
    public Optional<String> note() {
        if (!curve || coordinator == null) {
            return Optional.empty();
        }
        return Optional.of("CURVE handshakes at " + nodeIds.size() + " nodes: " + coordinator.handshakesAccepted()
                + " accepted, " + coordinator.handshakesRefused() + " refused (one key pair per node, checked by the "
                + "coordinator's ZAP allow-list)");
    }

    /** The coordinator (tests: its CURVE counters). */
    ZmqCoordinator coordinator() {
        return coordinator;
    }

    private void deleteKeys() {
        if (keyDir != null) {
            TempDirs.deleteTree(keyDir);
            keyDir = null;
        }
    }

    @Override
    public void close() {
        farms.forEach(Process::destroyForcibly);
        if (coordinator != null) {
            coordinator.close();
        }
        deleteKeys();
    }
}
