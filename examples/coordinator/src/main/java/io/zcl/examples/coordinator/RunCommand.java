package io.zcl.examples.coordinator;

import io.zcl.runner.api.TestResult;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.journal.RunDirectory;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.plan.SummaryReport;
import io.zcl.runner.sim.Simulation;
import io.zcl.runner.ssh.SshOperationalContext;
import io.zcl.runner.ssh.SshSettings;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.TransportSecurity;
import io.zcl.runner.zmq.ZmqCoordinator;
import io.zcl.runner.zmq.ZmqOperationalContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code zcl run}: the coordinator for agents started anywhere (other processes, containers, real
 * nodes). Binds the ROUTER, waits for every node of the cluster file to say HELLO, runs the plan,
 * and writes the run folder.
 */
@Command(name = "run", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Coordinate a run on agents started elsewhere (./zcl agent on each node).",
                "Example: ./zcl run --cluster cluster.yaml --plan plan.yaml --bind tcp://*:5555 "
                        + "--curve-secret keys/coordinator.key_secret --allow-keys keys/agents"})
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--cluster", paramLabel = "FILE", description = "cluster file (YAML): the nodes "
            + "(required, except with --resume: then the resumed run's)")
    Path clusterFile;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "continue the run in this folder (e.g. "
            + "runs/20261128-153012): keep its journal (a torn last line is cut), skip every (test, group) "
            + "already in it, run the rest; cluster and plan default to the resumed run's")
    Path resumeDir;

    @Option(names = "--plan", paramLabel = "FILE", description = "plan file (YAML); default: the standard plan")
    Path planFile;

    @Option(names = "--bind", defaultValue = "tcp://127.0.0.1:5555", description = "where agents connect "
            + "(default ${DEFAULT-VALUE}; tcp://*:5555 for every interface)")
    String bind;

    @Option(names = "--wait-s", defaultValue = "60", description = "seconds to wait for every agent (default ${DEFAULT-VALUE})")
    int waitS;

    @Option(names = "--runs-dir", defaultValue = "runs", description = "where run folders go (default ${DEFAULT-VALUE})")
    Path runsDir;

    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "heartbeat interval (default ${DEFAULT-VALUE})")
    int heartbeatMs;

    @Option(names = "--liveness", defaultValue = "3", description = "missed heartbeats before a node is lost (default ${DEFAULT-VALUE})")
    int liveness;

    @Option(names = "--command-timeout-s", description = "cap every command's timeout (default: each test's own)")
    Integer commandTimeoutS;

    @Option(names = "--events", paramLabel = "ENDPOINT", description = "with --transport zmq or auto: publish the run's events "
            + "here for 'zcl monitor', e.g. tcp://*:5560; CURVE with --monitor-keys, or plaintext on loopback with "
            + "--insecure (default: no event stream)")
    String eventsBind;

    @Option(names = "--quiet", description = "print only the summary")
    boolean quiet;

    @Option(names = "--transport", defaultValue = "zmq", description = "zmq (agents dial in), ssh "
            + "(connect to each node's sshd: host and ssh_port from the cluster file) or auto (zmq for nodes whose "
            + "agent is up, ssh for the others, per command) (default ${DEFAULT-VALUE})")
    String transport;

    @Option(names = "--user", description = "with --transport ssh: remote user (default: this user)")
    String user = System.getProperty("user.name");

    @Option(names = "--identity", paramLabel = "FILE", description = "with --transport ssh: private key "
            + "(default ~/.ssh/id_ed25519)")
    Path identity = Path.of(System.getProperty("user.home"), ".ssh", "id_ed25519");

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "with --transport ssh: known_hosts "
            + "(default ~/.ssh/known_hosts)")
    Path knownHosts = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");

    @Option(names = "--accept-new", description = "with --transport ssh: trust unknown host keys on first "
            + "sight and add them to known_hosts (a changed key is always refused)")
    boolean acceptNew;

    @Option(names = "--curve-secret", paramLabel = "FILE", description = "with --transport zmq: the coordinator's "
            + "secret key (NAME.key_secret from ./zcl keygen); agents pin the matching NAME.key")
    Path curveSecret;

    @Option(names = "--allow-keys", paramLabel = "DIR", description = "with --curve-secret: folder of the agents' "
            + "public keys (NAME.key); re-read when it changes, so keys rotate without a restart")
    Path allowKeys;

    @Option(names = "--insecure", description = "plaintext ZCR1, loopback binds only (a demo on one machine); "
            + "prints a warning")
    boolean insecure;

    @Option(names = "--monitor-keys", paramLabel = "DIR", description = "with --events and --curve-secret: folder of "
            + "the monitors' public keys (NAME.key); the event stream is CURVE with the coordinator's key pair")
    Path monitorKeys;

    @Override
    public Integer call() throws Exception {
        // Before anything is read, printed, bound or opened.
        Usage.atLeast(spec, "--wait-s", waitS, 1);
        Usage.heartbeat(spec, heartbeatMs);
        Usage.range(spec, "--liveness", liveness, 1, Usage.MAX_LIVENESS);
        if (commandTimeoutS != null) {
            Usage.commandTimeout(spec, commandTimeoutS);
        }
        Resume.Prior prior = resumeDir == null ? null : Resume.prior(resumeDir);
        if (prior != null) {
            clusterFile = clusterFile != null ? clusterFile : prior.clusterFile();
            planFile = planFile != null ? planFile : prior.planFile();
        }
        if (clusterFile == null) {
            throw new IllegalArgumentException("--cluster FILE is required (or --resume RUN_DIR)");
        }
        ClusterDescriptor cluster = ClusterDescriptor.load(clusterFile);
        Plan plan = planFile == null ? Plan.defaults() : Plan.load(planFile);
        // Refused before anything is printed, bound or opened: options a transport cannot honour are not ignored.
        if (transport.equals("ssh") && eventsBind != null) {
            throw new IllegalArgumentException("--events needs --transport zmq or auto: over ssh alone no "
                    + "coordinator hears the nodes, so there is no event stream to publish");
        }
        if (transport.equals("auto") && prior != null) {
            throw new IllegalArgumentException("--resume works with --transport zmq or ssh, not auto (yet): resume "
                    + "this run with the transport most of its nodes used");
        }
        var err = spec.commandLine().getErr();
        Curve.Server curve = transport.equals("ssh") ? null : curveSettings(err);
        if (transport.equals("ssh")) {
            return runOverSsh(cluster, plan, prior);
        }
        if (transport.equals("auto")) {
            return AutoRun.run(this, cluster, plan, curve);
        }
        if (!transport.equals("zmq")) {
            throw new IllegalArgumentException("--transport must be zmq, ssh or auto, got '" + transport + "'");
        }
        EventStreamSecurity.check(eventsBind, curve != null, monitorKeys);
        RunDirectory run = prior == null ? RunDirectory.create(runsDir) : prior.run();
        ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings(bind, heartbeatMs, liveness, 10_000))
                .restrictToNodes(Set.copyOf(cluster.nodeIds()));
        if (curve != null) {
            coordinator.secure(curve);
        }
        AtomicBoolean active = new AtomicBoolean(true);
        var journal = JsonlJournalWriter.open(run.journal());
        Resume.State resumed = Resume.state(prior, journal, err);
        coordinator.addListener(Simulation.journalNodeEvents(journal, active));
        PlanRunner.Result result;
        EventPublisher events = eventsBind == null ? null : EventStreamSecurity.publisher(eventsBind, curve, monitorKeys, err);
        try (ZmqOperationalContext ctx = new ZmqOperationalContext(cluster, coordinator,
                events == null ? journal : events.observe(journal), resumed.commandIds()); events) {
            if (events != null) {
                err.printf("zcl run: events for 'zcl monitor' on %s%n", events.start());
                events.cluster(cluster);
                events.attach(coordinator);
            }
            String endpoint = coordinator.start();
            err.printf("zcl run: coordinator on %s (%s); waiting up to %d s for %d agents%n", endpoint,
                    curve == null ? "plaintext" : "CURVE, public key " + curve.keys().publicKey() + ", "
                            + curve.allowed().size() + " agent keys allowed", waitS, cluster.nodes().size());
            err.flush();
            Set<String> missing = coordinator.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(waitS));
            if (!missing.isEmpty()) {
                err.printf("zcl run: %d of %d agents did not connect within %d s: %s (start each with "
                                + "./zcl agent --coordinator tcp://THIS_HOST:PORT --node-id ID and its keys)%n",
                        missing.size(), cluster.nodes().size(), waitS, String.join(", ", new TreeSet<>(missing)));
                if (coordinator.handshakesRefused() > 0) {
                    err.printf("zcl run: %d CURVE handshakes were refused: an agent's key is not in %s, or an agent "
                            + "speaks plaintext (the log above names the keys)%n", coordinator.handshakesRefused(), allowKeys);
                }
                return 3;
            }
            Map<String, String> header = new LinkedHashMap<>();
            header.put("cluster", clusterFile.toString());
            header.put("plan", planFile == null ? "default" : planFile.toString());
            resumed.describe(header);
            ProgressBar bar = new ProgressBar(err, System.console() != null);
            result = PlanRunner.run(ctx, plan, new PlanRunner.Options(run.runId(),
                    commandTimeoutS == null ? null : Duration.ofSeconds(commandTimeoutS), header, resumed.skipKeys(),
                    events == null ? (quiet ? null : bar) : EventPublisher.both(quiet ? null : bar, events), 64));
            bar.finish();
            active.set(false);
            if (events != null) {
                events.runFinished();
            }
        }
        return report(run, result);
    }

    private int runOverSsh(ClusterDescriptor cluster, Plan plan, Resume.Prior prior) throws Exception {
        var err = spec.commandLine().getErr();
        SshSettings settings = SshSettings.defaults(user, identity, knownHosts)
                .withHostKeyPolicy(acceptNew ? SshSettings.HostKeyPolicy.ACCEPT_NEW : SshSettings.HostKeyPolicy.STRICT);
        RunDirectory run = prior == null ? RunDirectory.create(runsDir) : prior.run();
        var journal = JsonlJournalWriter.open(run.journal());
        Resume.State resumed = Resume.state(prior, journal, err);
        PlanRunner.Result result;
        try (SshOperationalContext ctx = new SshOperationalContext(cluster, settings, journal)) {
            Map<String, String> failed = ctx.connectAll();
            if (!failed.isEmpty()) {
                failed.forEach((node, why) -> err.printf("zcl run: %s: %s%n", node, why));
                err.printf("zcl run: %d of %d nodes could not be reached over SSH%n", failed.size(), cluster.nodes().size());
                return 3;
            }
            ProgressBar bar = new ProgressBar(err, System.console() != null);
            Map<String, String> header = new LinkedHashMap<>();
            header.put("cluster", clusterFile.toString());
            header.put("plan", planFile == null ? "default" : planFile.toString());
            resumed.describe(header);
            result = PlanRunner.run(ctx, plan, new PlanRunner.Options(run.runId(),
                    commandTimeoutS == null ? null : Duration.ofSeconds(commandTimeoutS),
                    header, resumed.skipKeys(), quiet ? null : bar, 64));
            bar.finish();
        }
        return report(run, result);
    }

    int report(RunDirectory run, PlanRunner.Result result) throws java.io.IOException {
        var out = spec.commandLine().getOut();
        String summary = SummaryReport.markdown(JournalReader.read(run.journal()));
        Files.writeString(run.summary(), summary);
        out.println(summary);
        out.printf("RESULT runs=%s transport=%s results=%d pass=%d fail=%d error=%d elapsed_s=%.1f%n", run.runId(),
                transport, result.results().size(), result.count(TestResult.Verdict.PASS),
                result.count(TestResult.Verdict.FAIL), result.count(TestResult.Verdict.ERROR),
                result.elapsed().toMillis() / 1000.0);
        out.flush();
        return 0;
    }

    static boolean isLoopback(String endpoint) {
        return TransportSecurity.isLoopback(endpoint);
    }

    /** CURVE settings from --curve-secret and --allow-keys, or null for --insecure on loopback. */
    Curve.Server curveSettings(java.io.PrintWriter err) throws java.io.IOException {
        if ((curveSecret == null) != (allowKeys == null)) {
            throw new IllegalArgumentException("--curve-secret and --allow-keys go together");
        }
        String warning = TransportSecurity.check(bind, curveSecret != null, insecure, "--curve-secret FILE --allow-keys DIR");
        if (warning != null) {
            err.println("zcl run: " + warning);
            return null;
        }
        return new Curve.Server(CurveKeys.loadSecret(curveSecret), KeyAllowList.folder(allowKeys));
    }
}
