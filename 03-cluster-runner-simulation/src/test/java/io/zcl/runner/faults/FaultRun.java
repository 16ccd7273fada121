package io.zcl.runner.faults;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.sim.Simulation;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.ZmqCoordinator;
import io.zcl.runner.zmq.ZmqOperationalContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A coordinator in this JVM running a plan through the real runner and journal, with a timeline
 * of what it observed (node up/lost, commands started and finished, in System.nanoTime).
 */
final class FaultRun implements AutoCloseable {

    record Event(long nanos, String kind, String nodeId, String detail) {
    }

    final ClusterDescriptor cluster;
    final ZmqCoordinator coordinator;
    final Path journalFile;
    final ZmqOperationalContext ctx;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final String endpoint;

    FaultRun(int nodes, int heartbeatMs, long lostGraceMs, Path journalFile) {
        this.cluster = ClusterDescriptor.simulated(nodes, 1);
        this.journalFile = journalFile;
        this.coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", heartbeatMs, 3, lostGraceMs))
                .restrictToNodes(Set.copyOf(cluster.nodeIds()));
        JsonlJournalWriter journal = JsonlJournalWriter.open(journalFile);
        coordinator.addListener(Simulation.journalNodeEvents(journal, new AtomicBoolean(true)));
        coordinator.addListener(new CoordinatorListener() {
            @Override
            public void nodeUp(String nodeId, SystemConfiguration system, boolean agentRestarted) {
                events.add(new Event(System.nanoTime(), agentRestarted ? "restarted" : "up", nodeId, ""));
            }

            @Override
            public void nodeLost(String nodeId, String reason) {
                events.add(new Event(System.nanoTime(), "lost", nodeId, reason));
            }

            @Override
            public void commandStarted(String nodeId, String commandId) {
                events.add(new Event(System.nanoTime(), "started", nodeId, commandId));
            }

            @Override
            public void commandFinished(String nodeId, CommandResult result) {
                events.add(new Event(System.nanoTime(), "finished:" + result.status(), nodeId, result.commandId()));
            }
        });
        this.ctx = new ZmqOperationalContext(cluster, coordinator, journal);
        this.endpoint = coordinator.start();
    }

    CompletableFuture<PlanRunner.Result> runAsync(Plan plan) {
        return CompletableFuture.supplyAsync(() -> PlanRunner.run(ctx, plan,
                new PlanRunner.Options("faults", null, Map.of(), Set.of(), null, 8)));
    }

    /** First event of this kind on this node after {@code afterNanos}, or null. */
    Event first(String kind, String nodeId, long afterNanos) {
        return events.stream().filter(e -> e.kind().equals(kind) && e.nodeId().equals(nodeId) && e.nanos() >= afterNanos)
                .findFirst().orElse(null);
    }

    /** What closing the journal threw (a journal that failed during the run throws its failure again). */
    RuntimeException closeFailure;

    @Override
    public void close() {
        try {
            ctx.close();
        } catch (io.zcl.runner.journal.JournalException e) {
            closeFailure = e;
        }
    }
}
