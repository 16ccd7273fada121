package io.zcl.runner.ssh;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JsonlJournalWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * Measures what one SSH command costs here, for the notes behind the SSH-vs-ZeroMQ benchmark:
 * connection set-up, and the round trip of {@code true} on an open connection (through the
 * executor, i.e. with the kill wrapper, and as a bare exec), against the embedded server and
 * OpenSSH sshd, the latter with and without the HOME override that keeps bash off ~/.bashrc.
 * Not a test: run by hand with the test classpath,
 * {@code java -cp target/classes:target/test-classes:$(cat cp) io.zcl.runner.ssh.SshRoundTripProbe [runs] [warmup]}.
 */
public final class SshRoundTripProbe {

    private SshRoundTripProbe() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path dir = Files.createTempDirectory("zcl-ssh-probe-");
        Path keyFile = dir.resolve("id_ecdsa");
        KeyPair user = SshKeys.generateKeyFile(keyFile, "probe");
        Path knownHosts = dir.resolve("known_hosts");
        String me = System.getProperty("user.name");

        try (EmbeddedSshServer embedded = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic()))) {
            Files.writeString(knownHosts, embedded.knownHostsLine() + "\n");
            measure("embedded", "127.0.0.1", embedded.port(), SshSettings.defaults(me, keyFile, knownHosts), runs, warmup);
        }
        if (!OpenSshServers.available()) {
            System.out.println("openssh: sshd not installed, skipped");
            return;
        }
        try (OpenSshServers servers = OpenSshServers.start(dir.resolve("sshd"),
                List.of(OpenSshServers.NodeSpec.plain("node")), user.getPublic())) {
            OpenSshServers.Node node = servers.node("node");
            Files.writeString(knownHosts, servers.knownHosts());
            SshSettings settings = SshSettings.defaults(me, keyFile, knownHosts);
            measure("openssh", node.host(), node.port(), settings, runs, warmup);

            // The same sshd without the HOME override: bash started by sshd reads the real ~/.bashrc.
            Path config = node.dir().resolve("sshd_config");
            String withHome = Files.readString(config);
            Files.writeString(config, withHome.replaceAll("\"HOME=[^\"]*\" ?", ""));
            servers.restart("node");
            measure("openssh-with-user-bashrc", node.host(), node.port(), settings, Math.min(runs, 30), 3);
        }
        connectAll(dir, user, keyFile, knownHosts, me, 8);
    }

    /** Wall time of {@link SshOperationalContext#connectAll()} to N sshd nodes, 5 fresh contexts. */
    private static void connectAll(Path dir, KeyPair user, Path keyFile, Path knownHosts, String me, int n)
            throws Exception {
        List<OpenSshServers.NodeSpec> specs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            specs.add(OpenSshServers.NodeSpec.plain("node-" + i));
        }
        try (OpenSshServers servers = OpenSshServers.start(dir.resolve("sshd-" + n), specs, user.getPublic())) {
            Files.writeString(knownHosts, servers.knownHosts());
            ClusterDescriptor cluster = ClusterDescriptor.simulated(n, 2);
            Histogram all = new Histogram(3);
            for (int round = 0; round < 5; round++) {
                try (SshOperationalContext ctx = new SshOperationalContext(cluster, SshSettings.defaults(me, keyFile,
                        knownHosts), JsonlJournalWriter.open(dir.resolve("j" + round + ".jsonl")),
                        node -> new SshOperationalContext.Address("127.0.0.1", servers.node(node.id()).port()))) {
                    long t0 = System.nanoTime();
                    Map<String, String> failures = ctx.connectAll();
                    all.recordValue(System.nanoTime() - t0);
                    if (!failures.isEmpty()) {
                        throw new IllegalStateException("connectAll failed: " + failures);
                    }
                }
            }
            System.out.printf("openssh connectAll %d nodes: p50 %.1f ms, max %.1f ms (5 runs)%n", n, ms(all, 50),
                    all.getMaxValue() / 1e6);
        }
    }

    private static void measure(String label, String host, int port, SshSettings settings, int runs, int warmup)
            throws Exception {
        Histogram connect = new Histogram(3);
        try (SshConnector connector = new SshConnector(settings)) {
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                ClientSession s = connector.connect(host, port);
                connect.recordValue(System.nanoTime() - t0);
                s.close(false).await(5000);
            }
            Histogram wrapped = new Histogram(3);
            Histogram bare = new Histogram(3);
            try (SshNodeExecutor ex = new SshNodeExecutor("node", host, port, connector)) {
                ex.connect();
                for (int i = 0; i < warmup + runs; i++) {
                    long t0 = System.nanoTime();
                    CommandResult r = ex.run(Command.of("true")).get(60, TimeUnit.SECONDS);
                    long took = System.nanoTime() - t0;
                    if (!r.succeeded()) {
                        throw new IllegalStateException(label + ": true failed: " + r);
                    }
                    if (i >= warmup) {
                        wrapped.recordValue(took);
                    }
                }
            }
            Histogram killed = new Histogram(3);
            try (SshNodeExecutor ex = new SshNodeExecutor("node", host, port, connector)) {
                for (int i = 0; i < 10; i++) {
                    long t0 = System.nanoTime();
                    CommandResult r = ex.run(Command.of("sleep", "60").withTimeout(java.time.Duration.ofMillis(200)))
                            .get(60, TimeUnit.SECONDS);
                    if (r.status() != CommandResult.Status.TIMED_OUT) {
                        throw new IllegalStateException(label + ": expected TIMED_OUT, got " + r);
                    }
                    killed.recordValue(System.nanoTime() - t0 - 200_000_000L);
                }
            }
            System.out.printf("%-26s timeout 200 ms -> TIMED_OUT result, beyond the deadline: p50 %.2f ms max %.2f ms (n=10)%n",
                    label, ms(killed, 50), killed.getMaxValue() / 1e6);
            ClientSession s = connector.connect(host, port);
            try {
                for (int i = 0; i < warmup + runs; i++) {
                    long t0 = System.nanoTime();
                    ChannelExec ch = s.createExecChannel("true");
                    ch.open().verify(10_000);
                    ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 10_000);
                    long took = System.nanoTime() - t0;
                    if (!Integer.valueOf(0).equals(ch.getExitStatus())) {
                        throw new IllegalStateException(label + ": bare true exited " + ch.getExitStatus());
                    }
                    if (i >= warmup) {
                        bare.recordValue(took);
                    }
                }
            } finally {
                s.close(false).await(5000);
            }
            System.out.printf("%-26s connect p50 %7.2f ms p99 %7.2f ms (n=20) | true via executor p50 %7.2f ms p99 %7.2f ms"
                            + " | bare exec p50 %7.2f ms p99 %7.2f ms (n=%d after %d warm-up)%n", label,
                    ms(connect, 50), ms(connect, 99), ms(wrapped, 50), ms(wrapped, 99), ms(bare, 50), ms(bare, 99), runs,
                    warmup);
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }
}
