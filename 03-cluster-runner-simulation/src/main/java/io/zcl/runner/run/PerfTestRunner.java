package io.zcl.runner.run;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.PerfTest.Evaluation;
import io.zcl.runner.api.PerfTest.NodeCommand;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.api.TestResult.Verdict;
import io.zcl.runner.schedule.NodesConcurrencySet;
import io.zcl.runner.schedule.Round;
import io.zcl.runner.schedule.Schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Runs a perf test over a schedule: round by round, each round's groups in parallel (at most
 * {@code maxParallelGroups} at once, and never two groups on one node), each group's commands
 * concurrently on their nodes, then the verdict ({@link GroupVerdict}) as a {@link TestResult}
 * written to the journal. A group counts as done only when its result is durable.
 *
 * <p>Rounds are barriers: round r+1 starts when every group of round r is journaled, so what the
 * plan says runs together is what runs together. A failing group (bad exit, timeout, lost node,
 * a test that throws) is a FAIL or ERROR result for that group and the others go on. Only a
 * journal failure stops the run: results that cannot be recorded are not worth producing.
 *
 * <p>One runner per cluster: its {@link NodesConcurrencySet} is shared by every run it starts, so
 * two tests run at once on one runner still never share a node.
 */
public final class PerfTestRunner {

    /** Enough to run a whole round of a 64-node cluster at once. */
    public static final int DEFAULT_MAX_PARALLEL_GROUPS = 64;

    /** Judging and journaling a group; daemon threads so a forgotten runner does not keep a JVM alive. */
    private static final java.util.concurrent.ExecutorService EVALUATION = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "perf-test-evaluation");
        t.setDaemon(true);
        return t;
    });

    private final NodesConcurrencySet nodes;
    private final Clock clock;

    public PerfTestRunner() {
        this(DEFAULT_MAX_PARALLEL_GROUPS);
    }

    public PerfTestRunner(int maxParallelGroups) {
        this(new NodesConcurrencySet(maxParallelGroups), Clock.systemUTC());
    }

    /** @param clock stamps each result's start (durations come from the monotonic clock) */
    public PerfTestRunner(NodesConcurrencySet nodes, Clock clock) {
        this.nodes = Objects.requireNonNull(nodes, "nodes");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Runs and waits; see {@link #runScheduledAsync}. */
    public RunOutcome runScheduled(OperationalContext ctx, Schedule schedule, PerfTest test, String runId) {
        return runScheduled(ctx, schedule, test, runId, RunOptions.defaults());
    }

    /**
     * Runs and waits.
     *
     * @throws io.zcl.runner.journal.JournalException (or whatever the journal failed with) when a
     *                                                result could not be made durable
     * @throws IllegalArgumentException               when the schedule cannot plan these nodes
     */
    public RunOutcome runScheduled(OperationalContext ctx, Schedule schedule, PerfTest test, String runId,
                                   RunOptions options) {
        CompletableFuture<RunOutcome> run = runScheduledAsync(ctx, schedule, test, runId, options);
        try {
            return run.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + test.name() + " over " + schedule.name(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Starts the run. Planning happens now, so a schedule that cannot plan these nodes throws
     * here; the future completes with the outcome, or exceptionally if the journal failed.
     */
    public CompletableFuture<RunOutcome> runScheduledAsync(OperationalContext ctx, Schedule schedule, PerfTest test,
                                                           String runId, RunOptions options) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(runId, "runId");
        List<Round> rounds = schedule.rounds(ctx.nodes());
        List<PlannedGroup> plan = new ArrayList<>();
        for (Round round : rounds) {
            for (List<String> group : round.groups()) {
                plan.add(new PlannedGroup(test.name(), schedule.name(), round.index(), group));
            }
        }
        ProgressTracker tracker = new ProgressTracker(options.progress(), plan);
        GroupRun groupRun = new GroupRun(ctx, test, runId, options, tracker);
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Round round : rounds) {
            chain = chain.thenCompose(ignored -> runRound(groupRun, schedule.name(), round));
        }
        return chain.thenApply(ignored -> tracker.outcome(test.name(), schedule.name()));
    }

    private CompletableFuture<Void> runRound(GroupRun run, String schedule, Round round) {
        List<CompletableFuture<?>> groups = new ArrayList<>();
        for (List<String> nodeIds : round.groups()) {
            PlannedGroup group = new PlannedGroup(run.test.name(), schedule, round.index(), nodeIds);
            String skip = run.skipReason(group);
            if (skip != null) {
                run.tracker.skipped(new SkippedGroup(group, skip));
                continue;
            }
            groups.add(nodes.acquireAsync(nodeIds).thenCompose(lease -> run.start(group, lease::close)));
        }
        return CompletableFuture.allOf(groups.toArray(CompletableFuture[]::new));
    }

    /** Everything one scheduled run shares across its groups. */
    private final class GroupRun {

        private final OperationalContext ctx;
        private final PerfTest test;
        private final String runId;
        private final RunOptions options;
        private final ProgressTracker tracker;

        GroupRun(OperationalContext ctx, PerfTest test, String runId, RunOptions options, ProgressTracker tracker) {
            this.ctx = ctx;
            this.test = test;
            this.runId = runId;
            this.options = options;
            this.tracker = tracker;
        }

        String skipReason(PlannedGroup group) {
            if (group.nodes().size() < test.minGroupSize()) {
                return test.name() + " needs at least " + test.minGroupSize() + " node(s) per group; this group has "
                        + group.nodes().size();
            }
            if (options.skipKeys().contains(group.key())) {
                return "already in the journal";
            }
            return null;
        }

        /** Runs the group's commands, releases its nodes, judges, journals. */
        CompletableFuture<TestResult> start(PlannedGroup group, Runnable releaseNodes) {
            Instant startedAt = clock.instant();
            long t0 = System.nanoTime();
            tracker.started(group);
            CompletableFuture<TestResult> result;
            try {
                result = execute(group, startedAt, t0);
            } catch (RuntimeException e) {
                result = CompletableFuture.completedFuture(resultOf(group, new Evaluation(Verdict.ERROR, Map.of(), List.of(),
                        "runner failed: " + GroupVerdict.describe(e)), List.of(), startedAt, t0));
            }
            return result
                    .handle((r, e) -> r != null ? r : resultOf(group, new Evaluation(Verdict.ERROR, Map.of(), List.of(),
                            "runner failed: " + GroupVerdict.describe(unwrap(e))), List.of(), startedAt, t0))
                    .whenComplete((r, e) -> releaseNodes.run())
                    .thenCompose(this::journal);
        }

        private CompletableFuture<TestResult> execute(PlannedGroup group, Instant startedAt, long t0) {
            List<NodeCommand> commands;
            try {
                commands = test.commands(group.nodes(), ctx);
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(resultOf(group, new Evaluation(Verdict.ERROR, Map.of(), List.of(),
                        "commands() failed: " + GroupVerdict.describe(e)), List.of(), startedAt, t0));
            }
            String invalid = GroupVerdict.invalidCommands(group.nodes(), commands);
            if (invalid != null) {
                return CompletableFuture.completedFuture(resultOf(group,
                        new Evaluation(Verdict.ERROR, Map.of(), List.of(), invalid), List.of(), startedAt, t0));
            }
            List<String> commandIds = commands.stream().map(c -> c.command().id()).toList();
            List<CompletableFuture<CommandResult>> running = new ArrayList<>();
            for (NodeCommand command : commands) {
                running.add(run(command));
            }
            // Transports complete command futures on their I/O thread; parse, judge and journal here instead.
            return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).thenApplyAsync(ignored -> {
                Map<String, CommandResult> results = new HashMap<>();
                for (int i = 0; i < commands.size(); i++) {
                    results.put(commandIds.get(i), running.get(i).join());
                }
                Evaluation evaluation = GroupVerdict.judge(test, group.nodes(), commands, results);
                return resultOf(group, evaluation, commandIds, startedAt, t0);
            }, EVALUATION);
        }

        /**
         * One command. An executor that throws or fails its future (a programming error by its
         * contract) still yields a result, so the group gets an ERROR rather than a hung run.
         */
        private CompletableFuture<CommandResult> run(NodeCommand command) {
            Instant started = clock.instant();
            CompletableFuture<CommandResult> future;
            try {
                future = ctx.executor(command.nodeId()).run(command.command(), options.output());
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            return future.handle((result, error) -> result != null ? result
                    : CommandResult.failed(command.command().id(), command.nodeId(), CommandResult.Status.FAILED_TO_START,
                    started, Duration.between(started, clock.instant()),
                    "executor failed: " + GroupVerdict.describe(unwrap(error))));
        }

        private TestResult resultOf(PlannedGroup group, Evaluation evaluation, List<String> commandIds,
                                    Instant startedAt, long t0) {
            long durationMs = (System.nanoTime() - t0) / 1_000_000;
            Map<String, String> nodeTransports = ctx.nodeTransports(commandIds);
            return new TestResult(runId, group.test(), group.schedule(), group.round(), group.nodes(),
                    evaluation.verdict(), evaluation.metrics(), evaluation.failedNodes(),
                    GroupVerdict.oneLine(evaluation.reason()), commandIds, startedAt, durationMs,
                    TestResult.combinedTransport(nodeTransports, ctx.transport()), nodeTransports);
        }

        private CompletableFuture<TestResult> journal(TestResult result) {
            CompletableFuture<Void> durable;
            try {
                durable = ctx.journal().write(result);
            } catch (RuntimeException e) {
                durable = CompletableFuture.failedFuture(e);
            }
            return durable.handle((ok, error) -> {
                if (error != null) {
                    tracker.abandoned();
                    throw error instanceof CompletionException ce ? ce : new CompletionException(unwrap(error));
                }
                tracker.finished(result);
                return result;
            });
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
