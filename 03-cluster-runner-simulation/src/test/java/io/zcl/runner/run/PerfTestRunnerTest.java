package io.zcl.runner.run;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.RunHeader;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.api.TestResult.Verdict;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalException;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.journal.RunDirectory;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.local.LocalOperationalContext;
import io.zcl.runner.schedule.NodesConcurrencySet;
import io.zcl.runner.schedule.Round;
import io.zcl.runner.schedule.Schedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

class PerfTestRunnerTest {

    @TempDir
    Path runs;

    private LocalOperationalContext context(ClusterDescriptor cluster, Path journal, Function<String, Map<String, String>> env) {
        return new LocalOperationalContext(cluster, JsonlJournalWriter.open(journal), env, null,
                LocalNodeExecutor.Settings.defaults());
    }

    @Test
    void aScheduledRunJournalsOneResultPerGroupAfterTheHeader() {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(6, 3);
        RunDirectory run = RunDirectory.create(runs);
        ShellTest test = new ShellTest("shell_pair", 2);
        RunOutcome outcome;
        try (LocalOperationalContext ctx = context(cluster, run.journal(),
                id -> id.equals("node-4") ? Map.of("ZCL_FAIL", "bad cable") : Map.of())) {
            ctx.journal().write(new RunHeader(run.runId(), Clock.systemUTC().instant(), ctx.transport(), cluster.nodeIds(),
                    Map.of(test.name(), "leaf_to_leaf_pairs"), Map.of())).join();
            outcome = new PerfTestRunner(4).runScheduled(ctx, Schedule.leafToLeafPairs(), test, run.runId());
        }

        JournalContents journal = JournalReader.read(run.journal());
        assertThat(journal.badLines()).isEmpty();
        assertThat(journal.records().get(0)).isInstanceOf(RunHeader.class);
        List<TestResult> results = journal.testResults();
        assertThat(results).hasSize(6).allSatisfy(r -> {
            assertThat(r.runId()).isEqualTo(run.runId());
            assertThat(r.schedule()).isEqualTo("leaf_to_leaf_pairs");
            assertThat(r.transport()).isEqualTo("local");
            assertThat(r.commandIds()).hasSize(2);
            assertThat(r.metrics()).containsEntry("nodes", 2.0);
        });
        assertThat(results).extracting(TestResult::key).doesNotHaveDuplicates();
        assertThat(Set.copyOf(outcome.results())).isEqualTo(Set.copyOf(results));

        List<TestResult> withNode4 = results.stream().filter(r -> r.nodes().contains("node-4")).toList();
        assertThat(withNode4).isNotEmpty().allSatisfy(r -> {
            assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
            assertThat(r.failedNodes()).containsExactly("node-4");
            assertThat(r.reason()).isEqualTo("node-4: bad cable");
        });
        assertThat(results).filteredOn(r -> !r.nodes().contains("node-4"))
                .allSatisfy(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        assertThat(outcome.count(Verdict.FAIL)).isEqualTo(withNode4.size());
    }

    @Test
    void groupsTooSmallForTheTestAreSkippedWithAReason() {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(3, 1);
        List<SkippedGroup> skippedEvents = new CopyOnWriteArrayList<>();
        RunOutcome outcome;
        try (LocalOperationalContext ctx = context(cluster, runs.resolve("journal.jsonl"), id -> Map.of())) {
            outcome = new PerfTestRunner(4).runScheduled(ctx, Schedule.allServers(), new ShellTest("pair_only", 2), "r1",
                    RunOptions.defaults().withProgress(new ProgressListener() {
                        @Override
                        public void groupSkipped(SkippedGroup skipped, Progress progress) {
                            skippedEvents.add(skipped);
                        }
                    }));
        }

        assertThat(outcome.results()).isEmpty();
        assertThat(outcome.skipped()).hasSize(3).allSatisfy(s ->
                assertThat(s.reason()).isEqualTo("pair_only needs at least 2 node(s) per group; this group has 1"));
        assertThat(skippedEvents).hasSize(3);
        assertThat(JournalReader.read(runs.resolve("journal.jsonl")).testResults()).isEmpty();
    }

    @Test
    void resumeSkipsGroupsAlreadyInTheJournal() {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(4, 2);
        Path journal = runs.resolve("journal.jsonl");
        ShellTest test = new ShellTest("burn", 1);
        try (LocalOperationalContext ctx = context(cluster, journal, id -> Map.of())) {
            new PerfTestRunner(4).runScheduled(ctx, new FirstGroupsOnly(Schedule.allServers(), 2), test, "r1");
        }
        Set<String> done = JournalReader.read(journal).resultKeys();
        assertThat(done).containsExactlyInAnyOrder("burn/all_servers@node-1", "burn/all_servers@node-2");

        RunOutcome resumed;
        try (LocalOperationalContext ctx = context(cluster, journal, id -> Map.of())) {
            resumed = new PerfTestRunner(4).runScheduled(ctx, Schedule.allServers(), test, "r1",
                    RunOptions.defaults().withSkipKeys(done));
        }

        assertThat(resumed.skipped()).extracting(s -> s.group().key())
                .containsExactly("burn/all_servers@node-1", "burn/all_servers@node-2");
        assertThat(resumed.skipped()).allSatisfy(s -> assertThat(s.reason()).isEqualTo("already in the journal"));
        assertThat(resumed.results()).extracting(TestResult::key)
                .containsExactly("burn/all_servers@node-3", "burn/all_servers@node-4");
        assertThat(JournalReader.read(journal).testResults()).extracting(TestResult::key)
                .containsExactlyInAnyOrder("burn/all_servers@node-1", "burn/all_servers@node-2",
                        "burn/all_servers@node-3", "burn/all_servers@node-4");
    }

    @Test
    void timeoutsStartFailuresAndBrokenTestsBecomeResultsNotCrashes() {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(2, 1);
        try (LocalOperationalContext ctx = context(cluster, runs.resolve("journal.jsonl"), id -> Map.of())) {
            PerfTestRunner runner = new PerfTestRunner(4);

            TestResult hung = single(runner.runScheduled(ctx, Schedule.allPairs(),
                    new ShellTest("hang", 2, "[ \"$ZCL_NODE_ID\" = node-2 ] && sleep 30; echo ok", Duration.ofMillis(300)), "r"));
            assertThat(hung.verdict()).isEqualTo(Verdict.FAIL);
            assertThat(hung.failedNodes()).containsExactly("node-2");
            assertThat(hung.reason()).isEqualTo("node-2: TIMED_OUT (timed out after 300 ms; killed)");

            PerfTest missingTool = new ShellTest("missing", 1) {
                @Override
                public List<NodeCommand> commands(List<String> group, OperationalContext c) {
                    return List.of(new NodeCommand(group.get(0), Command.of("zcl-no-such-tool")));
                }
            };
            TestResult notStarted = runner.runScheduled(ctx, Schedule.allServers(), missingTool, "r").results().get(0);
            assertThat(notStarted.verdict()).isEqualTo(Verdict.ERROR);
            assertThat(notStarted.reason()).startsWith("node-1: FAILED_TO_START (program 'zcl-no-such-tool' not found on PATH");

            PerfTest throwing = new ShellTest("throws", 1) {
                @Override
                public Evaluation evaluate(List<String> group, List<NodeCommand> commands,
                                           Map<String, CommandResult> results) {
                    throw new IllegalStateException("parser bug\nsecond line");
                }
            };
            TestResult broken = runner.runScheduled(ctx, Schedule.allServers(), throwing, "r").results().get(0);
            assertThat(broken.verdict()).isEqualTo(Verdict.ERROR);
            assertThat(broken.reason()).isEqualTo("evaluate failed: IllegalStateException: parser bug second line");

            PerfTest lenient = new ShellTest("lenient", 1, "echo ok; exit 4", Duration.ofSeconds(20)) {
                @Override
                public Evaluation evaluate(List<String> group, List<NodeCommand> commands,
                                           Map<String, CommandResult> results) {
                    return new Evaluation(Verdict.PASS, Map.of(), List.of(), "");
                }
            };
            TestResult hidden = runner.runScheduled(ctx, Schedule.allServers(), lenient, "r").results().get(0);
            assertThat(hidden.verdict()).isEqualTo(Verdict.FAIL);
            assertThat(hidden.reason()).isEqualTo("exit code 4 on node-1 (the test's evaluate said PASS)");

            PerfTest noCommands = new ShellTest("empty", 1) {
                @Override
                public List<NodeCommand> commands(List<String> group, OperationalContext c) {
                    return List.of();
                }
            };
            assertThat(runner.runScheduled(ctx, Schedule.allServers(), noCommands, "r").results())
                    .allSatisfy(r -> assertThat(r.verdict()).isEqualTo(Verdict.ERROR));
        }
    }

    @Test
    void parallelGroupsAreBoundedAndRoundsAreBarriers() throws Exception {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(4, 1);
        Path gate = runs.resolve("go");
        NodesConcurrencySet nodes = new NodesConcurrencySet(1);
        String script = "[ \"$ZCL_GROUP\" = node-1,node-4 ] && while [ ! -e '" + gate + "' ]; do sleep 0.01; done; echo ok";
        ShellTest test = new ShellTest("pairs", 2, script, Duration.ofSeconds(20));
        List<Progress> finished = new CopyOnWriteArrayList<>();
        try (LocalOperationalContext ctx = context(cluster, runs.resolve("journal.jsonl"), id -> Map.of())) {
            CompletableFuture<RunOutcome> run = new PerfTestRunner(nodes, Clock.systemUTC()).runScheduledAsync(ctx,
                    Schedule.allPairs(), test, "r", RunOptions.defaults().withProgress(new ProgressListener() {
                        @Override
                        public void groupFinished(TestResult result, Progress progress) {
                            finished.add(progress);
                        }
                    }));

            // Round 0 is [node-1,node-4] and [node-2,node-3]; with one slot the second waits for the first, which waits for the gate.
            await().atMost(Duration.ofSeconds(10)).until(() -> nodes.running() == 1 && nodes.waiting() == 1);
            assertThat(test.groupsAsked).containsExactly(List.of("node-1", "node-4"));
            Files.createFile(gate);
            RunOutcome outcome = run.get(20, TimeUnit.SECONDS);

            assertThat(outcome.results()).hasSize(6).allSatisfy(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
            assertThat(outcome.results()).extracting(TestResult::round).containsExactly(0, 0, 1, 1, 2, 2);
            List<Integer> roundsInStartOrder = new ArrayList<>();
            for (List<String> group : test.groupsAsked) {
                roundsInStartOrder.add(outcome.results().stream().filter(r -> r.nodes().equals(group)).findFirst().orElseThrow().round());
            }
            assertThat(roundsInStartOrder).isSorted();
            assertThat(finished).extracting(Progress::done).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(finished.get(5)).isEqualTo(new Progress(6, 6, 0, 6, 0, 0, 0));
        }
    }

    @Test
    void aJournalThatCannotWriteFailsTheRun() {
        Path devFull = Path.of("/dev/full");
        assumeThat(Files.isWritable(devFull)).isTrue();
        ClusterDescriptor cluster = ClusterDescriptor.simulated(2, 1);
        LocalOperationalContext ctx = context(cluster, devFull, id -> Map.of());
        try {
            assertThatThrownBy(() -> new PerfTestRunner(2).runScheduled(ctx, Schedule.allServers(), new ShellTest("t", 1), "r"))
                    .isInstanceOf(JournalException.class)
                    .hasMessageContaining("No space left on device");
        } finally {
            assertThatThrownBy(ctx::close).isInstanceOf(JournalException.class);
        }
    }

    @Test
    void aScheduleThatCannotPlanFailsBeforeAnythingRuns() {
        try (LocalOperationalContext ctx = context(ClusterDescriptor.simulated(3, 1), runs.resolve("journal.jsonl"), id -> Map.of())) {
            assertThatThrownBy(() -> new PerfTestRunner(2).runScheduled(ctx, Schedule.leafToLeafPairs(), new ShellTest("t", 2), "r"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("leaf_to_leaf_pairs: needs nodes on at least 2 leaves");
        }
    }

    @Test
    void plannedGroupKeysMatchResultKeys() {
        TestResult result = new TestResult("r", "nccl", "all_pairs", 0, List.of("node-1", "node-2"), Verdict.PASS,
                null, null, null, null, null, 0, "local");
        assertThat(new PlannedGroup("nccl", "all_pairs", 0, List.of("node-1", "node-2")).key()).isEqualTo(result.key());
    }

    private static TestResult single(RunOutcome outcome) {
        assertThat(outcome.results()).hasSize(1);
        return outcome.results().get(0);
    }

    /** The first groups of a schedule's first round: a run interrupted part-way, for the resume test. */
    private record FirstGroupsOnly(Schedule schedule, int groups) implements Schedule {
        @Override
        public String name() {
            return schedule.name();
        }

        @Override
        public List<Round> rounds(List<NodeDescriptor> nodes) {
            Round first = schedule.rounds(nodes).get(0);
            return List.of(new Round(0, first.groups().subList(0, groups)));
        }
    }

}
