package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.local.LocalOperationalContext;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.sim.InProcessAgents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's default plan over SSH, against simulated nodes that run the emulated perf tools:
 * the journal must have the same shape (same groups, same verdicts, same nodes blamed) as the
 * same plan run locally. Once with the embedded server per node, once with real OpenSSH.
 */
class SshPlanTest {

    private static final Map<String, Fault> FAULTS = Map.of("node-3", Fault.parse("slow-link"),
            "node-2", Fault.parse("exit:2"));
    /** Not reached: the timeout path is the executor contract's; here it would only add wall time. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    ClusterDescriptor cluster;
    InProcessAgents.NodeSetup setup;
    Path keyFile;
    KeyPair userKey;

    @BeforeEach
    void simulatedCluster() {
        cluster = ClusterDescriptor.simulated(4, 2);
        setup = new InProcessAgents.NodeSetup(EmulatedTools.install(dir.resolve("tools")), FAULTS, 0.0, 0);
        keyFile = dir.resolve("id_ecdsa");
        userKey = SshKeys.generateKeyFile(keyFile, "runner");
    }

    @Test
    @Timeout(90)
    void overEmbeddedServersTheJournalMatchesTheLocalRun() throws Exception {
        List<EmbeddedSshServer> servers = new ArrayList<>();
        try {
            Map<String, Integer> ports = new HashMap<>();
            StringBuilder knownHosts = new StringBuilder();
            for (String id : cluster.nodeIds()) {
                EmbeddedSshServer s = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(userKey.getPublic())
                        .withEnv(setup.env(id, cluster.system(id)), setup.toolsDir()));
                servers.add(s);
                ports.put(id, s.port());
                knownHosts.append(s.knownHostsLine()).append('\n');
            }
            assertSameShapeAsLocal(ports, knownHosts.toString());
        } finally {
            servers.forEach(EmbeddedSshServer::close);
        }
    }

    @Test
    @Timeout(90)
    void overOpenSshTheJournalMatchesTheLocalRun() throws Exception {
        Requirements.openSshServer();
        List<OpenSshServers.NodeSpec> specs = cluster.nodeIds().stream()
                .map(id -> new OpenSshServers.NodeSpec(id, setup.env(id, cluster.system(id)), setup.toolsDir(), 10))
                .toList();
        try (OpenSshServers servers = OpenSshServers.start(dir.resolve("sshd"), specs, userKey.getPublic())) {
            Map<String, Integer> ports = servers.nodes().stream()
                    .collect(Collectors.toMap(OpenSshServers.Node::nodeId, OpenSshServers.Node::port));
            assertSameShapeAsLocal(ports, servers.knownHosts());
        }
    }

    private void assertSameShapeAsLocal(Map<String, Integer> ports, String knownHosts) throws Exception {
        Path knownHostsFile = dir.resolve("known_hosts");
        Files.writeString(knownHostsFile, knownHosts);
        SshSettings settings = SshSettings.defaults(System.getProperty("user.name"), keyFile, knownHostsFile);
        Function<NodeDescriptor, SshOperationalContext.Address> address =
                n -> new SshOperationalContext.Address("127.0.0.1", ports.get(n.id()));

        Path sshJournal = dir.resolve("ssh.jsonl");
        try (SshOperationalContext ctx = new SshOperationalContext(cluster, settings, JsonlJournalWriter.open(sshJournal),
                address)) {
            assertThat(ctx.connectAll()).isEmpty();
            assertThat(ctx.transport()).isEqualTo("ssh");
            run(ctx, "ssh-run");
        }
        Path localJournal = dir.resolve("local.jsonl");
        try (OperationalContext ctx = new LocalOperationalContext(cluster, JsonlJournalWriter.open(localJournal),
                id -> setup.env(id, cluster.system(id)), setup.toolsDir(),
                LocalNodeExecutor.Settings.defaults().withMaxConcurrentCommands(8))) {
            run(ctx, "local-run");
        }

        JournalContents overSsh = JournalReader.read(sshJournal);
        JournalContents overLocal = JournalReader.read(localJournal);
        assertThat(overSsh.badLines()).isEmpty();
        assertThat(overSsh.header().orElseThrow().transport()).isEqualTo("ssh");
        assertThat(overSsh.testResults()).isNotEmpty().allMatch(r -> r.transport().equals("ssh"));
        assertThat(shape(overSsh)).isEqualTo(shape(overLocal)).containsValue("PASS []");
        // the faults show up the same way: node-2's tools exit 2, node-3's slow link fails its groups
        assertThat(overSsh.testResults()).filteredOn(r -> r.nodes().equals(List.of("node-2"))
                && r.test().equals("gpu_burn")).singleElement()
                .satisfies(r -> assertThat(r.verdict()).isNotEqualTo(TestResult.Verdict.PASS))
                .satisfies(r -> assertThat(r.failedNodes()).containsExactly("node-2"));
        assertThat(overSsh.testResults()).filteredOn(r -> r.nodes().contains("node-3") && !r.nodes().contains("node-2")
                && !r.test().equals("gpu_burn")).isNotEmpty()
                .allMatch(r -> r.verdict() != TestResult.Verdict.PASS && r.failedNodes().equals(List.of("node-3")));
    }

    private static void run(OperationalContext ctx, String runId) {
        PlanRunner.run(ctx, Plan.defaults(), new PlanRunner.Options(runId, COMMAND_TIMEOUT, Map.of(), Set.of(),
                ProgressListener.NONE, 64));
    }

    /** Per group: verdict and blamed nodes, which must not depend on the transport. */
    private static Map<String, String> shape(JournalContents journal) {
        return journal.testResults().stream().collect(Collectors.toMap(TestResult::key,
                r -> r.verdict() + " " + r.failedNodes()));
    }
}
