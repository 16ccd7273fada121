package io.zcl.runner.plan;

import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.OutputListener;
import io.zcl.runner.api.RunHeader;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.run.PerfTestRunner;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.run.RunOptions;
import io.zcl.runner.run.RunOutcome;
import io.zcl.runner.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a {@link Plan} on a context: the run header first, then each step in order through the
 * {@link PerfTestRunner} (which journals one result per group), and returns every step's outcome.
 * The same code runs whatever the transport; only the context differs.
 */
public final class PlanRunner {

    /**
     * @param runId          the run's id (its folder name)
     * @param commandTimeout caps each command's timeout, or null for the tests' own timeouts
     * @param settings       extra header settings worth keeping (faults, time scale, ...)
     * @param skipKeys       (test, group) keys already journaled, skipped on resume
     */
    public record Options(String runId, Duration commandTimeout, Map<String, String> settings, Set<String> skipKeys,
                          ProgressListener progress, int maxParallelGroups) {
        public Options {
            settings = settings == null ? Map.of() : settings;
            skipKeys = skipKeys == null ? Set.of() : Set.copyOf(skipKeys);
            progress = progress == null ? ProgressListener.NONE : progress;
        }
    }

    /** Every step's outcome, in plan order. */
    public record Result(String runId, List<RunOutcome> outcomes, Instant startedAt, Duration elapsed) {
        public long count(TestResult.Verdict verdict) {
            return outcomes.stream().mapToLong(o -> o.count(verdict)).sum();
        }

        public List<TestResult> results() {
            return outcomes.stream().flatMap(o -> o.results().stream()).toList();
        }
    }

    private PlanRunner() {
    }

    public static Result run(OperationalContext ctx, Plan plan, Options options) {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Map<String, String> planMap = new LinkedHashMap<>();
        for (int i = 0; i < plan.steps().size(); i++) {
            Plan.Step s = plan.steps().get(i);
            planMap.put((i + 1) + ":" + s.test(), s.schedule());
        }
        ctx.journal().write(new RunHeader(options.runId(), started, ctx.transport(),
                ctx.nodes().stream().map(n -> n.id()).toList(), planMap, options.settings())).join();

        PerfTestRunner runner = new PerfTestRunner(options.maxParallelGroups());
        RunOptions runOptions = RunOptions.defaults().withProgress(options.progress())
                .withOutput(OutputListener.NONE).withSkipKeys(options.skipKeys());
        List<RunOutcome> outcomes = new ArrayList<>();
        for (Plan.Step step : plan.steps()) {
            outcomes.add(runner.runScheduled(ctx, Schedule.byName(step.schedule()),
                    PerfTests.create(step.test(), options.commandTimeout()), options.runId(), runOptions));
        }
        ctx.journal().flush();
        return new Result(options.runId(), outcomes, started, Duration.ofNanos(System.nanoTime() - t0));
    }
}
