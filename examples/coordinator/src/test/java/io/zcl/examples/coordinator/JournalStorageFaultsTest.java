package io.zcl.examples.coordinator;

import io.zcl.runner.sim.ChildProcesses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.sim.AgentProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The journal's storage fails under {@code zcl run}: the file hits its size limit mid-run (a real
 * EFBIG from the kernel: the coordinator runs under {@code ulimit -f}, which works as root and as
 * a user, where a full tmpfs needs mount rights), or its folder cannot be written at all.
 */
@Tag("slow")
class JournalStorageFaultsTest {

    static final int NODES = 4;

    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void aJournalThatCannotGrowStopsTheRunWithAClearErrorAndResumeFinishesIt() throws Exception {
        String nodes = IntStream.rangeClosed(1, NODES).mapToObj(i -> "node-" + i).collect(Collectors.joining(","));
        Path cluster = CoordinatorCrashResumeTest.writeCluster(tmp, NODES);
        Path plan = Files.writeString(tmp.resolve("plan.yaml"), """
                steps:
                  - { test: gpu_burn, schedule: all_servers }
                  - { test: gpu_burn, schedule: all_pairs }
                """);
        int expectedGroups = NODES + NODES * (NODES - 1) / 2;
        Path runs = tmp.resolve("runs");
        String bind = "tcp://127.0.0.1:" + ChildProcesses.freePort();
        try (ChildProcesses children = new ChildProcesses(tmp.resolve("logs"))) {
            children.java("agents", AgentProcess.class, 0, bind, Integer.toString(NODES), "250", "0.01", nodes);
            // 4 KiB: the header, the node events and a few results fit, the rest does not.
            Process coordinator = children.java("coordinator", RunMain.class, 4, "--cluster", cluster.toString(),
                    "--plan", plan.toString(), "--bind", bind, "--runs-dir", runs.toString(), "--insecure", "--heartbeat-ms", "250",
                    "--quiet");
            assertThat(coordinator.waitFor(60, TimeUnit.SECONDS)).as("the run stops").isTrue();
            String log = children.log("coordinator");
            assertThat(coordinator.exitValue()).as(log).isNotZero();
            // The one line the user sees names the journal and the real cause (it said "zcl: Self-suppression
            // not permitted" when the writer's failure was added to itself as suppressed); no stack trace.
            assertThat(log.lines().filter(l -> l.startsWith("zcl: ")).toList()).as(log).singleElement(STRING)
                    .matches("zcl: journal .*journal\\.jsonl: write failed after \\d+ records; nothing more will be "
                            + "written: .*File too large.*");
            assertThat(log).doesNotContain("Self-suppression").doesNotContain("\tat ").doesNotContain("RESULT runs=");

            Path runDir = runs.resolve("latest").toRealPath();
            assertThat(Files.size(runDir.resolve("journal.jsonl"))).isLessThanOrEqualTo(4096);
            JournalContents partial = JournalReader.read(runDir.resolve("journal.jsonl"));
            assertThat(partial.testResults()).hasSizeLessThan(expectedGroups);
            // At most the line cut by the limit is damaged, and it is the last one.
            assertThat(partial.badLines()).hasSizeLessThanOrEqualTo(1);

            // Room again: resume finishes the run; every group once.
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new RunCommand());
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.setErr(new PrintWriter(err, true));
            int exit = cl.execute("--resume", runDir.toString(), "--insecure", "--bind", bind, "--heartbeat-ms", "250", "--quiet");
            assertThat(exit).as(err.toString()).isZero();
            JournalContents done = JournalReader.read(runDir.resolve("journal.jsonl"));
            assertThat(done.badLines()).isEmpty();
            Map<String, Long> perKey = done.testResults().stream()
                    .collect(Collectors.groupingBy(TestResult::key, Collectors.counting()));
            assertThat(perKey).hasSize(expectedGroups);
            assertThat(perKey.values()).allMatch(n -> n == 1);
            assertThat(done.testResults()).allMatch(r -> r.verdict() == TestResult.Verdict.PASS);
            // Nothing dropped: the group whose line could not be written was never ACKed, so its
            // agents kept the RESULTs and re-sent them to the resumed coordinator.
            assertThat(done.orphanResults()).isNotEmpty();
            log.lines().filter(l -> l.contains("File too large")).limit(2).forEach(l -> System.out.println("SAID " + l));
            System.out.printf("FIGURE disk_full results_before=%d orphans_after_resume=%d torn_cut=%s%n",
                    partial.testResults().size(), done.orphanResults().size(), !partial.badLines().isEmpty());
        }
    }

    @Test
    @Timeout(30)
    void aRunsFolderThatCannotBeWrittenIsAClearErrorBeforeAnythingRuns() {
        // /proc refuses new entries to every user, root included (permissions would not stop root).
        Path runs = Path.of("/proc/zcl-runs-" + ProcessHandle.current().pid());
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new RunCommand());
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("--cluster", writeClusterQuietly().toString(), "--runs-dir", runs.toString(),
                "--bind", "tcp://127.0.0.1:0", "--insecure", "--wait-s", "1");
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("cannot create a run folder under " + runs);
        assertThat(Files.exists(runs)).isFalse();
    }

    @Test
    @Timeout(30)
    void resumingARunWhoseJournalIsNotAFileIsRefused() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("runs").resolve("20261128-000000"));
        Files.createSymbolicLink(run.resolve("journal.jsonl"), Path.of("/dev/full"));
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new RunCommand());
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("--resume", run.toString())).isNotZero();
        assertThat(err.toString()).contains("cannot resume " + run).contains("is not a regular file");
    }

    private Path writeClusterQuietly() {
        try {
            return CoordinatorCrashResumeTest.writeCluster(tmp, 1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
