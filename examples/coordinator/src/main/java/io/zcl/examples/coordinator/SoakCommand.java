package io.zcl.examples.coordinator;

import io.zcl.runner.fuzz.Soak;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code zcl soak}: the hostile-input fuzzer against a real coordinator and agent, for as long as asked. */
@Command(name = "soak", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Send generated hostile ZCR1 input to a real coordinator (from several peers, some with",
                "sessions) and to a real agent, while a legitimate agent runs commands. Exits 1 on any crash,",
                "wrong reply, uncounted error, leak or stuck command. Example: ./zcl soak --seconds 60"})
public final class SoakCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "60", description = "how long (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--seed", description = "generator seed (default: random, printed)")
    Long seed;

    @Option(names = "--peers", defaultValue = "4", description = "hostile DEALER peers on the coordinator; half keep a session (default ${DEFAULT-VALUE})")
    int peers;

    @Override
    public Integer call() throws Exception {
        Usage.atLeast(spec, "--seconds", seconds, 1);
        Usage.atLeast(spec, "--peers", peers, 1);
        var out = spec.commandLine().getOut();
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
        out.printf("soak for %d s, seed %d (replay with --seed %d)%n", seconds, s, s);
        out.flush();
        Soak.Result r = Soak.run(Duration.ofSeconds(seconds), s, peers, line -> {
            out.println(line);
            out.flush();
        });
        out.printf("SOAK seed=%d coordinator-inputs=%d agent-inputs=%d legit-commands=%d heap-after-gc=%d->%d KiB "
                        + "threads=%d->%d problems=%d%n", r.seed(), r.coordinatorInputs(), r.agentInputs(), r.legitCommands(),
                r.heapStartBytes() >> 10, r.heapEndBytes() >> 10, r.threadsStart(), r.threadsEnd(), r.problems().size());
        r.problems().forEach(p -> out.println("PROBLEM " + p));
        out.flush();
        return r.problems().isEmpty() ? 0 : 1;
    }
}
