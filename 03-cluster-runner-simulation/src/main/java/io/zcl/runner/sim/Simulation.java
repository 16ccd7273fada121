package io.zcl.runner.sim;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.auto.AutoOperationalContext;
import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.journal.RunDirectory;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.local.LocalOperationalContext;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.plan.SummaryReport;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.zmq.CoordinatorListener;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.ZmqCoordinator;
import io.zcl.runner.zmq.ZmqOperationalContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The main job on one machine: a simulated cluster (agents in this JVM, each running the emulated
 * perf tools as real processes), a coordinator, the plan, and a run folder with the journal and
 * summary.md. {@code ./zcl simulate} is a thin command over this class.
 */
public final class Simulation {

    /**
     * @param nodes          cluster size
     * @param leaves         leaf switches the nodes are spread over
     * @param faults         injected faults by node id
     * @param transport      "zmq" (agents over tcp loopback), "ssh" (an embedded SSH server per node),
     *                       "auto" (both per node: ZeroMQ while the node's agent is up, else SSH)
     *                       or "local" (no network: the floor)
     * @param runsRoot       where run folders go (runs/)
     * @param timeScale      how much of the tools' modelled run time they really wait
     * @param commandTimeout cap on each command's timeout (a hang fault ends at this)
     * @param heartbeatMs    ZeroMQ heartbeat interval
     * @param liveness       ZeroMQ liveness
     * @param plan           what to run
     */
    public record Settings(int nodes, int leaves, Map<String, Fault> faults, String transport, Path runsRoot,
                           double timeScale, Duration commandTimeout, int heartbeatMs, int liveness, Plan plan) {
        public Settings {
            faults = faults == null ? Map.of() : Map.copyOf(faults);
            if (!List.of("zmq", "ssh", "auto", "local").contains(transport)) {
                throw new IllegalArgumentException("unknown transport '" + transport + "'; known: zmq, ssh, auto, local");
            }
        }

        public static Settings defaults() {
            return new Settings(8, 2, Map.of(), "zmq", Path.of("runs"), 0.002, Duration.ofSeconds(15), 1000, 3,
                    Plan.defaults());
        }
    }

    /** What a simulation produced. */
    public record Outcome(RunDirectory run, PlanRunner.Result result, String summary) {
    }

    private Simulation() {
    }

    public static Outcome run(Settings s, ProgressListener progress) {
        return run(s, progress, null, true);
    }

    /**
     * As {@link #run(Settings, ProgressListener)}, and publishes the run on {@code events} (when not
     * null): the cluster, the coordinator's node and command events, progress, results, journal lag.
     */
    public static Outcome run(Settings s, ProgressListener progress, EventPublisher events) {
        return run(s, progress, events, true);
    }

    public static Outcome run(Settings s, ProgressListener progress, boolean curve) {
        return run(s, progress, null, curve);
    }

    /**
     * @param events published to when not null (see {@link #run(Settings, ProgressListener, EventPublisher)})
     * @param curve  with the zmq transport: CURVE between coordinator and agents, with key pairs
     *               made for this run and kept in memory (false: plaintext, loopback only)
     */
    public static Outcome run(Settings s, ProgressListener progress, EventPublisher events, boolean curve) {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(s.nodes(), s.leaves());
        for (String node : s.faults().keySet()) {
            if (!cluster.nodeIds().contains(node)) {
                throw new IllegalArgumentException("--fault names unknown node '" + node + "'; the cluster has node-1..node-"
                        + s.nodes());
            }
        }
        RunDirectory run = RunDirectory.create(s.runsRoot());
        Path tools = TempDirs.create("zcl-tools-", "the emulated tools");
        try {
            EmulatedTools.install(tools);
            InProcessAgents.NodeSetup setup = new InProcessAgents.NodeSetup(tools, s.faults(), s.timeScale(), 0);
            Map<String, String> header = new LinkedHashMap<>();
            header.put("simulated", s.nodes() + " nodes on " + s.leaves() + " leaves");
            header.put("faults", s.faults().isEmpty() ? "none" : s.faults().toString());
            header.put("time_scale", Double.toString(s.timeScale()));
            if (events != null) {
                events.cluster(cluster);
                progress = EventPublisher.both(progress, events);
            }
            PlanRunner.Options options = new PlanRunner.Options(run.runId(), s.commandTimeout(), header, Set.of(),
                    progress, 64);
            PlanRunner.Result result;
            JournalWriter journal = JsonlJournalWriter.open(run.journal());
            if (events != null) {
                journal = events.observe(journal);
            }
            if (s.transport().equals("ssh")) {
                try (InProcessSshNodes nodes = new InProcessSshNodes(cluster, setup, journal)) {
                    Map<String, String> failed = nodes.context().connectAll();
                    if (!failed.isEmpty()) {
                        throw new IllegalStateException("SSH connections failed: " + failed);
                    }
                    if (events != null) {
                        events.nodesReachable(cluster.nodeIds(), "ssh connected");
                    }
                    result = PlanRunner.run(nodes.context(), s.plan(), options);
                }
            } else if (s.transport().equals("auto")) {
                result = runAuto(s, cluster, setup, journal, options);
            } else if (s.transport().equals("local")) {
                try (OperationalContext ctx = new LocalOperationalContext(cluster, journal, id -> setup.env(id, cluster.system(id)),
                        tools, LocalNodeExecutor.Settings.defaults().withMaxConcurrentCommands(8))) {
                    if (events != null) {
                        events.nodesReachable(cluster.nodeIds(), "local processes");
                    }
                    result = PlanRunner.run(ctx, s.plan(), options);
                }
            } else {
                result = runOverZmq(s, cluster, setup, journal, options, events, curve);
            }
            if (events != null) {
                events.runFinished();
            }
            String summary = SummaryReport.markdown(JournalReader.read(run.journal()));
            Files.writeString(run.summary(), summary);
            return new Outcome(run, result, summary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + run.summary() + ": " + e.getMessage(), e);
        } finally {
            TempDirs.deleteTree(tools);
        }
    }

    private static PlanRunner.Result runOverZmq(Settings s, ClusterDescriptor cluster, InProcessAgents.NodeSetup setup,
                                                JournalWriter journal, PlanRunner.Options options, EventPublisher events,
                                                boolean curve) {
        ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*",
                s.heartbeatMs(), s.liveness(), 10_000));
        Function<String, Curve.Client> agentKeys = null;
        if (curve) {
            CurveKeys server = CurveKeys.generate();
            Map<String, CurveKeys> keys = new LinkedHashMap<>();
            cluster.nodeIds().forEach(id -> keys.put(id, CurveKeys.generate()));
            coordinator.secure(new Curve.Server(server, KeyAllowList.named(keys)));
            agentKeys = id -> new Curve.Client(keys.get(id), server.publicOnly());
        }
        if (events != null) {
            events.attach(coordinator);
        }
        AtomicBoolean planRunning = new AtomicBoolean(true);
        coordinator.addListener(journalNodeEvents(journal, planRunning));
        try (ZmqOperationalContext ctx = new ZmqOperationalContext(cluster, coordinator, journal)) {
            String endpoint = coordinator.start();
            try (InProcessAgents agents = new InProcessAgents(cluster, endpoint, setup, s.heartbeatMs(), s.liveness(),
                    agentKeys)) {
                Set<String> missing = coordinator.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(30));
                if (!missing.isEmpty()) {
                    throw new IllegalStateException("agents did not connect within 30 s: " + missing);
                }
                try {
                    return PlanRunner.run(ctx, s.plan(), options);
                } finally {
                    planRunning.set(false); // the agents' BYE at shutdown is not news
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for agents", e);
            }
        }
    }

    /**
     * Every node has an agent and an SSH server; each command goes over ZeroMQ when its node's
     * agent is up and over SSH otherwise ({@link AutoOperationalContext}).
     */
    private static PlanRunner.Result runAuto(Settings s, ClusterDescriptor cluster, InProcessAgents.NodeSetup setup,
                                             JournalWriter journal, PlanRunner.Options options) {
        ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*",
                s.heartbeatMs(), s.liveness(), 10_000));
        AtomicBoolean planRunning = new AtomicBoolean(true);
        coordinator.addListener(journalNodeEvents(journal, planRunning));
        try (InProcessSshNodes sshNodes = new InProcessSshNodes(cluster, setup, journal);
             AutoOperationalContext ctx = new AutoOperationalContext(cluster, coordinator, sshNodes.context(), journal)) {
            String endpoint = coordinator.start();
            try (InProcessAgents agents = new InProcessAgents(cluster, endpoint, setup, s.heartbeatMs(), s.liveness())) {
                // A node whose agent is not up yet is not an error here: its commands go over SSH.
                coordinator.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(30));
                try {
                    return PlanRunner.run(ctx, s.plan(), options);
                } finally {
                    planRunning.set(false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for agents", e);
            }
        }
    }

    /** Node up/lost events from the coordinator, journaled between the results. */
    public static CoordinatorListener journalNodeEvents(JournalWriter journal, AtomicBoolean active) {
        return new CoordinatorListener() {
            @Override
            public void nodeUp(String nodeId, SystemConfiguration system, boolean agentRestarted) {
                if (!active.get()) {
                    return;
                }
                journal.write(new NodeEvent(Instant.now(), nodeId,
                        agentRestarted ? NodeEvent.Kind.RECONNECTED : NodeEvent.Kind.UP,
                        agentRestarted ? "agent restarted" : "agent connected"));
            }

            @Override
            public void nodeLost(String nodeId, String reason) {
                if (!active.get()) {
                    return;
                }
                journal.write(new NodeEvent(Instant.now(), nodeId, NodeEvent.Kind.LOST, reason));
            }
        };
    }
}
