package io.zcl.cli;

import static io.zcl.cli.Run.zcl;
import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.KeyAllowList;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event stream to monitors follows the run's security: CURVE with --monitor-keys when the run
 * is CURVE, plaintext only on loopback with --insecure; ./zcl monitor takes keys or --insecure.
 */
@Timeout(90)
@Tag("slow")
class SecureEventStreamCliTest {

    @TempDir
    Path tmp;

    private Path cluster() throws Exception {
        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, "nodes:\n  - { id: node-1, host: 127.0.0.1, leaf: l1 }\n");
        return cluster;
    }

    private Path keys() {
        Path keys = tmp.resolve("keys");
        Run k = zcl("keygen", "--dir", keys.toString(), "--name", "coordinator", "--name", "monitor", "--name", "stranger");
        assertThat(k.exit()).as(k.err()).isZero();
        return keys;
    }

    @Test
    void runEventsNeedsMonitorKeysWithCurveAndLoopbackWithInsecure() throws Exception {
        Path keys = keys();
        Files.createDirectories(tmp.resolve("agents"));
        Run noMonitorKeys = zcl("run", "--cluster", cluster().toString(), "--runs-dir", tmp.resolve("runs").toString(),
                "--curve-secret", keys.resolve("coordinator.key_secret").toString(), "--allow-keys",
                tmp.resolve("agents").toString(), "--events", "tcp://*:5560");
        assertThat(noMonitorKeys.exit()).isEqualTo(1);
        assertThat(noMonitorKeys.err().strip()).startsWith("zcl: --events with CURVE needs --monitor-keys DIR")
                .doesNotContain("\n");
        Run insecureOffLoopback = zcl("run", "--cluster", cluster().toString(), "--runs-dir",
                tmp.resolve("runs").toString(), "--insecure", "--events", "tcp://*:5560");
        assertThat(insecureOffLoopback.exit()).isEqualTo(1);
        assertThat(insecureOffLoopback.err()).contains("\nzcl: --events tcp://*:5560 is not a loopback endpoint")
                .contains("--monitor-keys DIR").contains("--insecure is accepted only for");
        Run monitorKeysWithInsecure = zcl("run", "--cluster", cluster().toString(), "--runs-dir",
                tmp.resolve("runs").toString(), "--insecure", "--events", "tcp://127.0.0.1:5560",
                "--monitor-keys", tmp.resolve("agents").toString());
        assertThat(monitorKeysWithInsecure.err()).contains("--monitor-keys needs a CURVE run");
        assertThat(Files.exists(tmp.resolve("runs"))).as("refused before a run folder is made").isFalse();
    }

    @Test
    void monitorTakesKeysOrInsecureOnLoopbackOnly() throws Exception {
        Run offLoopback = zcl("monitor", "--events", "tcp://10.0.0.1:5560", "--tui", "--once");
        assertThat(offLoopback.exit()).isEqualTo(1);
        assertThat(offLoopback.err().strip()).startsWith("zcl: tcp://10.0.0.1:5560 is not a loopback endpoint")
                .contains("--curve-secret FILE --coordinator-key FILE");
        Run insecureOffLoopback = zcl("monitor", "--events", "tcp://coordinator:5560", "--tui", "--once", "--insecure");
        assertThat(insecureOffLoopback.exit()).isEqualTo(1);
        assertThat(insecureOffLoopback.err()).contains("is not a loopback endpoint").contains("--insecure is accepted only for");
        Run neither = zcl("monitor", "--events", "tcp://127.0.0.1:5560", "--tui", "--once");
        assertThat(neither.exit()).isEqualTo(1);
        assertThat(neither.err().strip()).startsWith("zcl: no CURVE keys given: pass --curve-secret FILE --coordinator-key FILE");
        Run half = zcl("monitor", "--events", "tcp://127.0.0.1:5560", "--curve-secret", "x.key_secret");
        assertThat(half.err()).contains("--curve-secret and --coordinator-key go together");
        Run simulate = zcl("simulate", "--monitor", "--events", "tcp://*:5560", "--nodes", "2", "--leaves", "1",
                "--runs-dir", tmp.resolve("sim").toString());
        assertThat(simulate.exit()).isEqualTo(1);
        assertThat(simulate.err()).contains("--events tcp://*:5560 is not a loopback endpoint");
    }

    @Test
    void anAllowListedMonitorFollowsACurveStreamAndAStrangerIsToldWhyNot() throws Exception {
        Path keys = keys();
        Path monitors = Files.createDirectories(tmp.resolve("monitors"));
        Files.copy(keys.resolve("monitor.key"), monitors.resolve("monitor.key"));
        Curve.Server server = new Curve.Server(CurveKeys.loadSecret(keys.resolve("coordinator.key_secret")),
                KeyAllowList.folder(monitors));
        try (EventPublisher pub = new EventPublisher("tcp://127.0.0.1:*", server)) {
            String endpoint = pub.start();
            pub.cluster(ClusterDescriptor.simulated(3, 1));
            Run good = zcl("monitor", "--events", endpoint, "--tui", "--once",
                    "--curve-secret", keys.resolve("monitor.key_secret").toString(),
                    "--coordinator-key", keys.resolve("coordinator.key").toString());
            assertThat(good.exit()).as(good.err()).isZero();
            assertThat(good.out()).contains("node-3");
            Run stranger = zcl("monitor", "--events", endpoint, "--tui", "--once",
                    "--curve-secret", keys.resolve("stranger.key_secret").toString(),
                    "--coordinator-key", keys.resolve("coordinator.key").toString());
            assertThat(stranger.exit()).isEqualTo(1);
            assertThat(stranger.out()).doesNotContain("node-3");
            assertThat(stranger.err()).contains("no snapshot from " + endpoint).contains("refused this monitor's key");
            Run plaintext = zcl("monitor", "--events", endpoint, "--tui", "--once", "--insecure");
            assertThat(plaintext.exit()).isEqualTo(1);
            assertThat(plaintext.err()).contains("WARNING: --insecure").contains("requires CURVE");
            // The stranger is refused by ZAP (counted); a plaintext client fails before ZAP is asked.
            assertThat(pub.monitorsRefused()).isGreaterThanOrEqualTo(1);
        }
    }
}
