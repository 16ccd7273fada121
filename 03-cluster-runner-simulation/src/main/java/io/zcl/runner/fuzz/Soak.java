package io.zcl.runner.fuzz;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.zeromq.ZContext;

/**
 * The fuzz test, run for a while with a random seed: hostile peers against a real coordinator
 * (some with sessions), a fake coordinator against a real agent, and a legitimate agent running
 * commands throughout. Prints progress; {@link Result#problems()} lists every failure.
 */
public final class Soak {

    /** What the soak saw; empty problems means it passed. */
    public record Result(long seed, long coordinatorInputs, long agentInputs, long legitCommands, long heapStartBytes,
                         long heapEndBytes, int threadsStart, int threadsEnd, List<String> problems) {
    }

    private Soak() {
    }

    public static Result run(Duration length, long seed, int peers, Consumer<String> progress) throws Exception {
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + length.toNanos();
        int threadsStart = Thread.activeCount();
        long heapStart = heapAfterGc();
        try (ZContext ctx = new ZContext(2); ZContext attackers = new ZContext(1);
             ZmqCoordinator c = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", 1000, 3, 1000), ctx,
                     io.zcl.runner.zmq.MonotonicClock::millis).forgetLostNodesAfter(Duration.ofSeconds(1))) {
            c.start();
            NodeAgent good = new NodeAgent(NodeAgent.Settings.defaults(c.endpoint(), "good-agent",
                    new SystemConfiguration("good-agent", List.of(), List.of(), List.of())).withBackoff(50, 200),
                    new RefusingExecutor("good-agent"), ctx, io.zcl.runner.zmq.MonotonicClock::millis).start();
            AgentFuzzer agentFuzzer = new AgentFuzzer(ctx, "fuzzed-agent");
            try {
                if (!c.awaitNodes(List.of("good-agent"), Duration.ofSeconds(10)).isEmpty()) {
                    problems.add("the good agent did not connect");
                    return new Result(seed, 0, 0, 0, heapStart, heapStart, threadsStart, threadsStart, problems);
                }
                if (!agentFuzzer.handshake(Duration.ofSeconds(10))) {
                    problems.add("the fuzzed agent did not say HELLO");
                    return new Result(seed, 0, 0, 0, heapStart, heapStart, threadsStart, threadsStart, problems);
                }
                long errorsBefore = c.protocolErrors().total();
                AtomicLong legit = new AtomicLong();
                AtomicReference<String> legitFailure = new AtomicReference<>();
                AtomicReference<FuzzReport> coordReport = new AtomicReference<>();
                AtomicReference<FuzzReport> agentReport = new AtomicReference<>();
                java.util.function.BooleanSupplier going = () -> System.nanoTime() < deadline;
                Thread coordFuzz = new Thread(() -> {
                    try {
                        coordReport.set(CoordinatorFuzzer.run(attackers, c.endpoint(), seed, 0, peers,
                                Math.max(1, peers / 2), going));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "soak-coordinator-fuzz");
                Thread agentFuzz = new Thread(() -> agentReport.set(agentFuzzer.run(seed ^ 0x5eed, 0, going)),
                        "soak-agent-fuzz");
                Thread legitLoop = new Thread(() -> {
                    for (long i = 0; going.getAsBoolean(); i++) {
                        try {
                            CommandResult r = c.executor("good-agent").run(new Command("legit-" + i,
                                    List.of(NodeAgent.BUILTIN_NOOP), Map.of(), null, Duration.ofSeconds(30)), null)
                                    .get(10, TimeUnit.SECONDS);
                            if (r.status() != CommandResult.Status.COMPLETED) {
                                legitFailure.compareAndSet(null, "legit command " + i + " ended " + r.status());
                            }
                            legit.incrementAndGet();
                            Thread.sleep(20);
                        } catch (Exception e) {
                            legitFailure.compareAndSet(null, "legit command " + i + " failed: " + e);
                            return;
                        }
                    }
                }, "soak-legit");
                coordFuzz.start();
                agentFuzz.start();
                legitLoop.start();
                long t0 = System.nanoTime();
                while (coordFuzz.isAlive() || agentFuzz.isAlive()) {
                    coordFuzz.join(5_000);
                    progress.accept(String.format("[%5.0fs] coordinator: %d protocol errors counted, %s; agent: %d "
                                    + "protocol errors; legit commands %d; heap %d MiB; threads %d",
                            (System.nanoTime() - t0) / 1e9, c.protocolErrors().total(), c.footprint(),
                            agentFuzzer.agent().protocolErrors().total(), legit.get(),
                            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                            Thread.activeCount()));
                    if (System.nanoTime() > deadline + TimeUnit.SECONDS.toNanos(60)) {
                        problems.add("the fuzzers did not stop within 60 s of the end");
                        break;
                    }
                }
                agentFuzz.join(30_000);
                legitLoop.join(30_000);
                FuzzReport cr = coordReport.get();
                FuzzReport ar = agentReport.get();
                check(problems, "coordinator fuzz", cr, seed);
                check(problems, "agent fuzz", ar, seed ^ 0x5eed);
                if (cr != null && c.protocolErrors().total() - errorsBefore != cr.errorReplies()) {
                    problems.add("coordinator counted " + (c.protocolErrors().total() - errorsBefore)
                            + " protocol errors but answered " + cr.errorReplies() + " with ERROR");
                }
                if (c.protocolErrors().internalErrors() > 0 || agentFuzzer.agent().protocolErrors().internalErrors() > 0) {
                    problems.add("handler exceptions: coordinator " + c.protocolErrors().internalErrors() + ", agent "
                            + agentFuzzer.agent().protocolErrors().internalErrors());
                }
                if (legitFailure.get() != null) {
                    problems.add(legitFailure.get());
                }
                if (agentFuzzer.agent().state() != NodeAgent.State.READY) {
                    problems.add("the fuzzed agent is " + agentFuzzer.agent().state());
                }
                if (agentFuzzer.runNoop("soak-final", Duration.ofSeconds(10)) != CommandResult.Status.COMPLETED) {
                    problems.add("the fuzzed agent no longer runs a valid command");
                }
                if (!c.upNodes().contains("good-agent")) {
                    problems.add("the good agent lost its session");
                }
                long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (c.footprint().sessions() > 1 && System.nanoTime() < waitUntil) {
                    Thread.sleep(200);
                }
                if (c.footprint().sessions() > 1) {
                    problems.add("sessions not freed: " + c.footprint());
                }
                progress.accept("coordinator fuzz: " + cr);
                progress.accept("agent fuzz: " + ar);
                long heapEnd = heapAfterGc();
                int threadsEnd = Thread.activeCount();
                if (heapEnd - heapStart > 128L * 1024 * 1024) {
                    problems.add("heap grew by " + ((heapEnd - heapStart) >> 20) + " MiB");
                }
                return new Result(seed, cr == null ? 0 : cr.inputs(), ar == null ? 0 : ar.inputs(), legit.get(), heapStart,
                        heapEnd, threadsStart, threadsEnd, problems);
            } finally {
                agentFuzzer.close();
                good.close();
            }
        }
    }

    private static void check(List<String> problems, String what, FuzzReport r, long seed) {
        if (r == null) {
            problems.add(what + " did not finish");
            return;
        }
        if (r.failure() != null) {
            problems.add(what + ": " + r.failure());
        }
        if (r.mismatches() > 0) {
            problems.add(what + ": " + r.mismatches() + " replies differ from the protocol (seed " + seed + "): "
                    + r.mismatchSamples());
        }
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
