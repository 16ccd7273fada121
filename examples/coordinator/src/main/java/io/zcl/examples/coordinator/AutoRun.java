package io.zcl.examples.coordinator;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.auto.AutoOperationalContext;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.journal.RunDirectory;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.sim.Simulation;
import io.zcl.runner.ssh.SshOperationalContext;
import io.zcl.runner.ssh.SshSettings;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code zcl run --transport auto}: the coordinator binds as for zmq, SSH is set up as for ssh,
 * and each command goes over ZeroMQ when its node's agent is up, over SSH when it is not. A node
 * must be reachable one way or the other at the start; the journal says which way each test went.
 */
final class AutoRun {

    private AutoRun() {
    }

    static int run(RunCommand c, ClusterDescriptor cluster, Plan plan, io.zcl.runner.zmq.Curve.Server curve) throws Exception {
        var err = c.spec.commandLine().getErr();
        SshSettings sshSettings = SshSettings.defaults(c.user, c.identity, c.knownHosts)
                .withHostKeyPolicy(c.acceptNew ? SshSettings.HostKeyPolicy.ACCEPT_NEW : SshSettings.HostKeyPolicy.STRICT);
        EventStreamSecurity.check(c.eventsBind, curve != null, c.monitorKeys);
        RunDirectory run = RunDirectory.create(c.runsDir);
        ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings(c.bind, c.heartbeatMs, c.liveness, 10_000))
                .restrictToNodes(Set.copyOf(cluster.nodeIds()));
        if (curve != null) {
            coordinator.secure(curve);
        }
        AtomicBoolean active = new AtomicBoolean(true);
        var journal = JsonlJournalWriter.open(run.journal());
        coordinator.addListener(Simulation.journalNodeEvents(journal, active));
        PlanRunner.Result result;
        EventPublisher events = c.eventsBind == null ? null
                : EventStreamSecurity.publisher(c.eventsBind, curve, c.monitorKeys, err);
        JournalWriter observed = events == null ? journal : events.observe(journal);
        try (AutoOperationalContext ctx = new AutoOperationalContext(cluster, coordinator,
                new SshOperationalContext(cluster, sshSettings, observed), observed); events) {
            if (events != null) {
                err.printf("zcl run: events for 'zcl monitor' on %s%n", events.start());
                events.cluster(cluster);
                events.attach(coordinator);
            }
            String endpoint = coordinator.start();
            err.printf("zcl run: coordinator on %s; waiting up to %d s for %d agents (SSH for the others)%n", endpoint,
                    c.waitS, cluster.nodes().size());
            err.flush();
            Set<String> noAgent = coordinator.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(c.waitS));
            Map<String, String> sshFailed = ctx.ssh().connectAll();
            Map<String, String> unreachable = new LinkedHashMap<>();
            for (String node : new TreeSet<>(noAgent)) {
                if (sshFailed.containsKey(node)) {
                    unreachable.put(node, sshFailed.get(node));
                }
            }
            if (!unreachable.isEmpty()) {
                unreachable.forEach((node, why) -> err.printf("zcl run: %s: no agent, and SSH failed: %s%n", node, why));
                err.printf("zcl run: %d of %d nodes are reachable neither over ZeroMQ nor over SSH%n", unreachable.size(),
                        cluster.nodes().size());
                return 3;
            }
            err.printf("zcl run: %d nodes start over zmq, %d over ssh%s%n", cluster.nodes().size() - noAgent.size(),
                    noAgent.size(), noAgent.isEmpty() ? "" : " (" + String.join(", ", new TreeSet<>(noAgent)) + ")");
            if (events != null && !noAgent.isEmpty()) {
                events.nodesReachable(noAgent, "ssh");
            }
            Map<String, String> header = new LinkedHashMap<>();
            header.put("cluster", c.clusterFile.toString());
            header.put("plan", c.planFile == null ? "default" : c.planFile.toString());
            ProgressBar bar = new ProgressBar(err, System.console() != null);
            result = PlanRunner.run(ctx, plan, new PlanRunner.Options(run.runId(),
                    c.commandTimeoutS == null ? null : Duration.ofSeconds(c.commandTimeoutS), header, Set.of(),
                    events == null ? (c.quiet ? null : bar) : EventPublisher.both(c.quiet ? null : bar, events), 64));
            bar.finish();
            active.set(false);
            if (events != null) {
                events.runFinished();
            }
            err.printf("zcl run: commands over zmq=%d ssh=%d%n", ctx.commandsOverZmq(), ctx.commandsOverSsh());
        }
        return c.report(run, result);
    }
}
