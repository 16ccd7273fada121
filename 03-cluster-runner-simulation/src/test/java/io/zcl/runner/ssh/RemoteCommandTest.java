package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The command string: quoting checked against a real /bin/sh (what it parses back must be the
 * original words), and the wrapper run as a node would run it.
 */
class RemoteCommandTest {

    @Test
    void plainWordsStayBareAndEverythingElseIsSingleQuoted() {
        assertThat(ShellQuoting.quote("all_reduce_perf")).isEqualTo("all_reduce_perf");
        assertThat(ShellQuoting.quote("/opt/tools/ib_write_bw")).isEqualTo("/opt/tools/ib_write_bw");
        assertThat(ShellQuoting.quote("-b")).isEqualTo("-b");
        assertThat(ShellQuoting.quote("a b")).isEqualTo("'a b'");
        assertThat(ShellQuoting.quote("")).isEqualTo("''");
        assertThat(ShellQuoting.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(ShellQuoting.quote("A=B")).as("would be an assignment in command position").isEqualTo("'A=B'");
    }

    @Test
    void theShellParsesTheJoinedLineBackIntoTheSameWords() throws Exception {
        List<String> words = List.of("a b", "it's", "'", "''", "$HOME", "${PATH}", "`id`", "$(id)", "\"", "\\", "*", "?",
                "[a]", "~", "#x", "&", "|", ";", "<", ">", "!", "\n", "\t", " ", "", "ünï €", "-n", "--", "A=B", "%s");
        String line = "printf '<%s>' " + ShellQuoting.join(words);

        Process p = new ProcessBuilder("/bin/sh", "-c", line).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();

        StringBuilder expected = new StringBuilder();
        words.forEach(w -> expected.append('<').append(w).append('>'));
        assertThat(out).isEqualTo(expected.toString());
    }

    @Test
    void theRemoteCommandCarriesEnvCwdAndArgvAndNamesTheWrapper() {
        Command c = new Command("id-1", List.of("all_reduce_perf", "-b", "8"), Map.of("B", "2", "A", "x y"), "/tmp",
                Duration.ofSeconds(1));

        String line = RemoteCommand.of(c);

        assertThat(line).startsWith("exec env 'A=x y' 'B=2' /bin/sh -c '")
                .endsWith(" zcl-run /tmp all_reduce_perf -b 8");
        assertThat(RemoteCommand.of(Command.of("true"))).startsWith("exec /bin/sh -c '").endsWith(" zcl-run '' true");
    }

    @Test
    void aStartFailureIsRecognisedOnlyByTheWrappersExitCodeAndMarker() {
        String stderr = RemoteCommand.START_FAILURE + "program 'x' not found on PATH /bin\n";

        assertThat(RemoteCommand.startFailure(127, stderr)).contains("program 'x' not found on PATH /bin");
        assertThat(RemoteCommand.startFailure(1, stderr)).isEmpty();
        assertThat(RemoteCommand.startFailure(127, "sh: x: not found\n")).isEmpty();
        assertThat(RemoteCommand.startFailure(127, "")).isEqualTo(Optional.empty());
    }

    @Test
    void theWrapperRunsTheProgramAndKillsItsWholeGroupWhenStdinEnds() throws Exception {
        // The program says which processes it started (its own pid and its two sleeps' pids) once
        // both run, so the test reads them instead of guessing when /proc lists them all (a guess
        // with a 5 s limit failed on a 2-core machine at load 50).
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", RemoteCommand.WRAPPER, RemoteCommand.WRAPPER_NAME, ""));
        argv.addAll(List.of("sh", "-c", "sleep 60 & a=$!; sleep 61 & echo \"$$ $a $!\"; wait", "program"));
        Process wrapper = new ProcessBuilder(argv).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(wrapper.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            assertThat(line).matches("\\d+ \\d+ \\d+");
            List<ProcessHandle> program = java.util.Arrays.stream(line.split(" "))
                    .map(pid -> ProcessHandle.of(Long.parseLong(pid)).orElseThrow()).toList();
            assertThat(program).allSatisfy(p -> assertThat(p.isAlive()).isTrue());
            // and whatever else the wrapper runs by now (its stdin watcher): none may outlive it
            List<ProcessHandle> started = java.util.stream.Stream.concat(program.stream(), wrapper.descendants())
                    .distinct().toList();

            wrapper.getOutputStream().close(); // what EOF on the channel does on the node

            // TERM to the group, then exit: milliseconds when quiet; the limits only bound a hang
            assertThat(wrapper.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(wrapper.exitValue()).isEqualTo(143); // the program died of SIGTERM
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            wrapper.descendants().forEach(ProcessHandle::destroyForcibly);
            wrapper.destroyForcibly();
        }
    }
}
