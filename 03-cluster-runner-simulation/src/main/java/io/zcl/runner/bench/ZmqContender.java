package io.zcl.runner.bench;

import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.sim.AgentFarm;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordinator in this JVM; the N agents in a child JVM ({@link AgentFarm}), so the process
 * being measured holds only the coordinator and every command crosses a real tcp connection.
 */
final class ZmqContender implements Contender {

    private final int heartbeatMs;
    private final int liveness = 3;
    private ZmqCoordinator coordinator;
    private Process farm;
    private List<String> nodeIds = List.of();
    private volatile CountDownLatch firstLost = new CountDownLatch(1);
    private final AtomicLong lostWhileMeasuring = new AtomicLong();
    private volatile boolean killed;
    private long coordinatorBytes = -1;

    ZmqContender(int heartbeatMs) {
        this.heartbeatMs = heartbeatMs;
    }

    @Override
    public String name() {
        return "zmq";
    }

    @Override
    public Duration connect(int nodes) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", heartbeatMs, liveness, 5_000));
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
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= nodes; i++) {
            ids.add("node-" + i);
        }
        long t0 = System.nanoTime();
        farm = ChildJvm.start(AgentFarm.class, endpoint, Integer.toString(nodes), Integer.toString(heartbeatMs));
        Set<String> missing = coordinator.awaitNodes(ids, Duration.ofSeconds(120));
        Duration setup = Duration.ofNanos(System.nanoTime() - t0);
        if (!missing.isEmpty()) {
            throw new IllegalStateException(missing.size() + " agents did not connect within 120 s");
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
        farm.destroyForcibly(); // SIGKILL: no BYE, only silence
        if (!firstLost.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no node reported lost within 60 s of killing the agents");
        }
        return Duration.ofNanos(System.nanoTime() - t0);
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
    public void close() {
        if (farm != null) {
            farm.destroyForcibly();
        }
        if (coordinator != null) {
            coordinator.close();
        }
    }
}
