package io.zcl.examples.coordinator;

import io.zcl.runner.sim.ChildProcesses;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.OrphanResult;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.sim.AgentProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The coordinator ({@code zcl run} in a child JVM) is SIGKILLed mid-run while six agents (another
 * child JVM) run commands; {@code zcl run --resume runs/<timestamp>} finishes the run. Agents
 * re-send the RESULTs the dead coordinator never ACKed; the final journal holds every
 * (test, group) exactly once, all PASS, and each re-sent RESULT is recorded at most once.
 */
@Tag("slow")
class CoordinatorCrashResumeTest {

    static final int NODES = 6;
    /** gpu_burn's 60 s at 0.02: 1.2 s a group. */
    static final String TIME_SCALE = "0.02";

    @TempDir
    Path tmp;

    @Test
    @Timeout(150)
    void aRunKilledMidwayIsResumedAndEveryGroupIsJournaledExactlyOnce() throws Exception {
        String nodes = IntStream.rangeClosed(1, NODES).mapToObj(i -> "node-" + i).collect(Collectors.joining(","));
        Path cluster = writeCluster(tmp, NODES);
        Path plan = Files.writeString(tmp.resolve("plan.yaml"), """
                steps:
                  - { test: gpu_burn, schedule: all_servers }
                  - { test: gpu_burn, schedule: all_pairs }
                """);
        int expectedGroups = NODES + NODES * (NODES - 1) / 2;
        Path runs = tmp.resolve("runs");
        String bind = "tcp://127.0.0.1:" + ChildProcesses.freePort();

        try (ChildProcesses children = new ChildProcesses(tmp.resolve("logs"))) {
            children.java("agents", AgentProcess.class, 0, bind, Integer.toString(NODES), "250", TIME_SCALE, nodes);
            Process coordinator = children.java("coordinator", RunMain.class, 0, "--cluster", cluster.toString(),
                    "--plan", plan.toString(), "--bind", bind, "--runs-dir", runs.toString(), "--insecure", "--heartbeat-ms", "250",
                    "--quiet");
            Path journal = runs.resolve("latest").resolve("journal.jsonl");
            // Midway: the first step and the first round of the second (3 pairs) are journaled; the
            // next round starts at once, and 0.5 s into its 1.2 s burns its six commands are running.
            ChildProcesses.await("9 test results in the journal", Duration.ofSeconds(60),
                    () -> countResults(journal) >= NODES + NODES / 2 || !coordinator.isAlive());
            Thread.sleep(500);
            assertThat(coordinator.isAlive()).as(children.log("coordinator")).isTrue();
            ChildProcesses.kill9(coordinator);
            Path runDir = runs.resolve("latest").toRealPath();
            int before = countResults(journal);
            assertThat(before).isLessThan(expectedGroups);

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new RunCommand());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            long t0 = System.nanoTime();
            int exit = cl.execute("--resume", runDir.toString(), "--insecure", "--bind", bind, "--heartbeat-ms", "250", "--quiet");
            long resumeMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(exit).as(err.toString()).isZero();
            assertThat(err.toString()).contains("resuming " + runDir.getFileName() + ": " + before);

            JournalContents contents = JournalReader.read(runDir.resolve("journal.jsonl"));
            assertThat(contents.badLines()).isEmpty();
            Map<String, Long> perKey = contents.testResults().stream()
                    .collect(Collectors.groupingBy(TestResult::key, Collectors.counting()));
            assertThat(perKey).hasSize(expectedGroups);
            assertThat(perKey.values()).allMatch(n -> n == 1);
            assertThat(contents.testResults()).allMatch(r -> r.verdict() == TestResult.Verdict.PASS);
            assertThat(contents.headers()).hasSize(2);
            assertThat(contents.headers().get(1).settings()).containsEntry("resumed", "true");

            // The dead coordinator's commands: re-sent by the agents, recorded once each, and only
            // those no test result accounts for.
            List<OrphanResult> orphans = contents.orphanResults();
            Set<String> inResults = new HashSet<>();
            contents.testResults().forEach(r -> inResults.addAll(r.commandIds()));
            assertThat(orphans).extracting(OrphanResult::commandId).doesNotHaveDuplicates()
                    .noneMatch(inResults::contains);
            assertThat(orphans).as("commands in flight when the coordinator died come back as orphans")
                    .isNotEmpty();
            assertThat(orphans).allMatch(o -> o.exitCode() == 0 && o.stdoutTail().contains("OK"));
            System.out.printf("FIGURE coordinator_crash results_before_kill=%d of %d orphans_recorded=%d resume_ms=%d%n",
                    before, expectedGroups, orphans.size(), resumeMs);
        }
    }

    static Path writeCluster(Path dir, int nodes) throws IOException {
        StringBuilder yaml = new StringBuilder("name: faults\nnodes:\n");
        for (int i = 1; i <= nodes; i++) {
            yaml.append("  - { id: node-").append(i).append(", host: 127.0.0.1, leaf: leaf-1 }\n");
        }
        return Files.writeString(dir.resolve("cluster.yaml"), yaml);
    }

    static int countResults(Path journal) {
        try {
            if (!Files.exists(journal)) {
                return 0;
            }
            return (int) Files.readAllLines(journal).stream().filter(l -> l.contains("\"type\":\"test_result\"")).count();
        } catch (IOException e) {
            return 0;
        }
    }

}
