package io.zcl.examples.coordinator;

import io.zcl.runner.bench.Bench;
import io.zcl.runner.bench.BenchReport;
import io.zcl.runner.bench.Contenders;
import io.zcl.runner.journal.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code zcl bench}: SSH and ZeroMQ on the same simulated nodes, with the same commands, in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Benchmark the transports on the same simulated nodes in one run.",
                "Writes runs/<timestamp>/bench.json, bench.md, latency-cdf.svg and makespan.svg.",
                "Example: ./zcl bench --nodes 1,8,64"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "1,8,64,256", split = ",", description = "cluster sizes (default ${DEFAULT-VALUE})")
    List<Integer> nodes;

    @Option(names = "--transports", defaultValue = "zmq,ssh", split = ",", description = "which to measure: zmq, zmq-curve (zmq with CURVE), ssh (the runner's MINA client), asyncssh (Python's, open connections), pdsh (-R ssh, a connection per command); default ${DEFAULT-VALUE}")
    List<String> transports;

    @Option(names = "--samples", defaultValue = "500", description = "round trips per latency series (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--warmup", defaultValue = "100", description = "round trips before measuring (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--fanouts", defaultValue = "5", description = "fan-outs per size; the median is kept (default ${DEFAULT-VALUE})")
    int fanouts;

    @Option(names = "--stream-mib", defaultValue = "10", description = "stdout streamed in the streaming test (default ${DEFAULT-VALUE})")
    int streamMib;

    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "ZeroMQ heartbeat (default ${DEFAULT-VALUE})")
    int heartbeatMs;

    @Option(names = "--runs-dir", defaultValue = "runs", description = "where run folders go (default ${DEFAULT-VALUE})")
    Path runsDir;

    @Option(names = "--scale", defaultValue = "0", description = "instead: N agents (in child JVMs) on one coordinator "
            + "running --commands @noop commands; reports lost/duplicated, heap, CPU, heartbeats (e.g. --scale 1000)")
    int scale;

    @Option(names = "--commands", defaultValue = "10000", description = "with --scale: commands to run (default ${DEFAULT-VALUE})")
    int scaleCommands;

    @Option(names = "--concurrency", defaultValue = "256", description = "with --scale: commands in flight at most (default ${DEFAULT-VALUE})")
    int scaleConcurrency;

    @Option(names = "--farm-jvms", defaultValue = "0", description = "with --scale: child JVMs for the agents (default: one per 250)")
    int farmJvms;

    @Option(names = "--io-threads", defaultValue = "1", description = "with --scale: ZeroMQ I/O threads per child JVM (default ${DEFAULT-VALUE})")
    int ioThreads;

    @Option(names = "--idle-seconds", defaultValue = "5", description = "with --scale: idle cluster watched for heartbeat traffic (default ${DEFAULT-VALUE})")
    int idleSeconds;

    @Override
    public Integer call() throws Exception {
        Usage.atLeast(spec, "--samples", samples, 1);
        Usage.atLeast(spec, "--warmup", warmup, 0);
        Usage.atLeast(spec, "--fanouts", fanouts, 1);
        Usage.atLeast(spec, "--stream-mib", streamMib, 1);
        Usage.heartbeat(spec, heartbeatMs);
        Usage.atLeast(spec, "--scale", scale, 0);
        Usage.atLeast(spec, "--commands", scaleCommands, 1);
        Usage.atLeast(spec, "--concurrency", scaleConcurrency, 1);
        Usage.atLeast(spec, "--farm-jvms", farmJvms, 0);
        Usage.atLeast(spec, "--io-threads", ioThreads, 1);
        Usage.atLeast(spec, "--idle-seconds", idleSeconds, 0);
        if (scale > 0) {
            return ScaleRun.run(this);
        }
        Bench.Settings settings = new Bench.Settings(nodes, samples, warmup, fanouts, streamMib * 1024L * 1024, heartbeatMs,
                transports);
        var err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        Bench bench = new Bench(settings, step -> {
            err.printf("[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, step);
            err.flush();
        });
        Bench.Report report = bench.run(Contenders.all(heartbeatMs));
        RunDirectory run = RunDirectory.create(runsDir);
        // originalArgs() starts with the subcommand's own name ("bench").
        List<String> argv = new ArrayList<>(List.of("./zcl"));
        argv.addAll(spec.commandLine().getParseResult().originalArgs());
        BenchReport.write(report, run.dir(), String.join(" ", argv));
        var out = spec.commandLine().getOut();
        out.println(Files.readString(run.dir().resolve("bench.md")));
        out.printf("Run folder: %s (bench.json, bench.md, latency-cdf.svg, makespan.svg)%n", run.dir());
        out.flush();
        return 0;
    }
}
