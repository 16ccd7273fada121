package io.zcl.runner.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class of this classpath in a child JVM (same java binary, same classpath). */
final class ChildJvm {

    private ChildJvm() {
    }

    static Process start(Class<?> main, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
