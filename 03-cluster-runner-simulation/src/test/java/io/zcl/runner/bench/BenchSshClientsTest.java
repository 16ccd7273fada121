package io.zcl.runner.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.ssh.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SSH tools teams use today, raced on the same OpenSSH nodes: Python's asyncssh on open
 * connections (the team's runner) and pdsh -R ssh (a connection per command). Both are real:
 * /usr/bin/python3 with python3-asyncssh, and pdsh with openssh-client.
 */
@Tag("slow")
class BenchSshClientsTest {

    @TempDir
    Path dir;

    @BeforeEach
    void programs() {
        Requirements.openSshServer();
        Requirements.require(AsyncsshContender.missing() == null, String.valueOf(AsyncsshContender.missing()));
        Requirements.require(PdshContender.missing() == null, String.valueOf(PdshContender.missing()));
    }

    @Test
    @Timeout(300)
    void asyncsshAndPdshAreMeasuredLikeTheOtherTransportsOnTheSameSshdNodes() throws Exception {
        List<String> steps = new ArrayList<>();
        Bench.Settings settings = new Bench.Settings(List.of(1, 2), 10, 2, 2, 1024 * 1024, BenchTest.HEARTBEAT_MS,
                List.of("asyncssh", "pdsh"));
        Bench.Report report = new Bench(settings, steps::add).run(Contenders.all(BenchTest.HEARTBEAT_MS));

        assertThat(report.latencies()).extracting(Bench.Latency::name).containsExactly("spawn (floor)", "asyncssh", "pdsh");
        assertThat(report.latencies()).allSatisfy(l -> assertThat(l.count()).isEqualTo(10));
        assertThat(report.sizes()).extracting(s -> s.transport() + "@" + s.nodes())
                .containsExactly("asyncssh@1", "asyncssh@2", "pdsh@1", "pdsh@2");
        assertThat(report.sizes()).allSatisfy(s -> {
            assertThat(s.fanoutMedianMs()).isPositive();
            assertThat(s.commandsPerSecond()).isPositive();
        });
        // neither streams through this bench; both were killed and the loss seen
        assertThat(report.streamMs()).isEmpty();
        assertThat(report.sizes().get(0).detectionMs()).isNotNull();
        // client CPU is the Python process's / pdsh's and ssh's; the nodes' is every sshd tree's
        assertThat(report.cpu()).filteredOn(c -> c.transport().equals("pdsh") || c.transport().equals("asyncssh"))
                .hasSize(6).allSatisfy(c -> {
                    assertThat(c.coordinatorMs()).isNotNull().isNotNegative();
                    assertThat(c.nodeMs()).isNotNull().isNotNegative();
                });
        assertThat(report.cpu()).filteredOn(c -> c.transport().equals("pdsh"))
                .allSatisfy(c -> assertThat(c.coordinatorMs()).as("a new ssh connection per command costs the client CPU")
                        .isPositive());

        BenchReport.write(report, dir, "./zcl bench --nodes 1,2 --transports asyncssh,pdsh");
        assertThat(Files.readString(dir.resolve("bench.md"))).contains("| asyncssh | 2 |", "| pdsh | 2 |",
                "| asyncssh | sustained `true` | 2 |");
    }

    @Test
    void aMissingProgramIsNamedWithWhatToInstallBeforeAnythingIsMeasured() {
        assertThat(Contenders.missingPrograms(List.of("zmq", "zmq-curve", "ssh", "asyncssh", "pdsh"))).isEmpty();
        assertThat(Contenders.all(1000)).containsKeys("zmq", "zmq-curve", "ssh", "asyncssh", "pdsh");
    }
}
