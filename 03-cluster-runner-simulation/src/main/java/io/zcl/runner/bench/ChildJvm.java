package io.zcl.runner.bench;

import io.zcl.runner.local.SpawnMechanism;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a main class of this classpath in a child JVM (same java binary, same classpath). Extra
 * JVM options for the children come from {@code ZCL_BENCH_CHILD_JAVA_OPTS} (space-separated), for
 * example a flight recording of the agent farm:
 * {@code ZCL_BENCH_CHILD_JAVA_OPTS="-XX:StartFlightRecording=filename=farm.jfr,settings=profile"}.
 */
final class ChildJvm {

    private ChildJvm() {
    }

    static Process start(Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path")));
        // The children start processes the way this JVM does (the floor is measured here).
        cmd.add(cmd.size() - 2, "-D" + SpawnMechanism.PROPERTY + "=" + SpawnMechanism.current());
        String extra = System.getenv("ZCL_BENCH_CHILD_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(cmd.size() - 2, List.of(extra.trim().split("\\s+")));
        }
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
