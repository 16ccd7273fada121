package io.zcl.examples.coordinator;

import io.zcl.runner.bench.ScaleBench;
import io.zcl.runner.journal.RunDirectory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** {@code zcl bench --scale N}: many agents on one coordinator; fails when a command is lost or duplicated. */
final class ScaleRun {

    private ScaleRun() {
    }

    static int run(BenchCommand cmd) throws Exception {
        var err = cmd.spec.commandLine().getErr();
        var out = cmd.spec.commandLine().getOut();
        int jvms = cmd.farmJvms > 0 ? cmd.farmJvms : Math.max(1, (cmd.scale + 249) / 250);
        ScaleBench.Settings settings = new ScaleBench.Settings(cmd.scale, cmd.scaleCommands, cmd.scaleConcurrency, jvms,
                cmd.heartbeatMs, cmd.ioThreads, cmd.idleSeconds);
        long t0 = System.nanoTime();
        ScaleBench.Result r = ScaleBench.run(settings, step -> {
            err.printf("[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, step);
            err.flush();
        });
        List<String> argv = new ArrayList<>(List.of("./zcl"));
        argv.addAll(cmd.spec.commandLine().getParseResult().originalArgs());
        String md = "# zcl bench --scale\n\n" + r.markdown(String.join(" ", argv));
        RunDirectory run = RunDirectory.create(cmd.runsDir);
        Files.writeString(run.dir().resolve("scale.md"), md);
        out.println(md);
        boolean ok = r.lost() == 0 && r.duplicated() == 0 && r.notCompleted() == 0;
        out.printf("SCALE agents=%d commands=%d completed=%d lost=%d duplicated=%d %s%n", cmd.scale, cmd.scaleCommands,
                r.completed(), r.lost(), r.duplicated(), ok ? "OK" : "FAILED");
        out.printf("Run folder: %s (scale.md)%n", run.dir());
        out.flush();
        return ok ? 0 : 1;
    }
}
