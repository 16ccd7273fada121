package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.local.LocalNodeExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;

/** The agent with a real process executor behind it, over tcp loopback. */
@Timeout(90)
@Tag("slow")
class AgentWithProcessesTest {

    private static final SystemConfiguration SYSTEM = new SystemConfiguration("n1", List.of(), List.of(), List.of());

    @Test
    void fiftyMegabytesOfOutputStreamThroughWithTheCaptureBoundedAndNothingLost() throws Exception {
        try (ZmqCoordinator c = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"));
             LocalNodeExecutor exec = new LocalNodeExecutor("n1", Map.of(), null,
                     LocalNodeExecutor.Settings.defaults().withCaptureLimitBytes(1024 * 1024))) {
            String endpoint = c.start();
            try (NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "n1", SYSTEM)
                    .withPolicy(CommandPolicy.anyProgram()), exec).start()) {
                c.awaitNodes(List.of("n1"), Duration.ofSeconds(10));
                AtomicLong streamed = new AtomicLong();
                long size = 50L * 1024 * 1024;
                CommandResult r = c.executor("n1").run(Command.of("head", "-c", Long.toString(size), "/dev/zero"),
                        (id, stream, chunk) -> streamed.addAndGet(chunk.length)).get(60, TimeUnit.SECONDS);
                assertThat(r.succeeded()).isTrue();
                assertThat(streamed.get()).isEqualTo(size);
                assertThat(r.outputTruncated()).isTrue();
                assertThat(r.stdout()).hasSize(1024 * 1024);
                assertThat(agent.outputChunksDropped()).isZero();
            }
        }
    }

    @Test
    void concurrentCommandsRunAsProcessesAndTimeoutsAndMissingProgramsComeBackAsStatuses() throws Exception {
        try (ZmqCoordinator c = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"));
             LocalNodeExecutor exec = new LocalNodeExecutor("n1", Map.of(), null,
                     LocalNodeExecutor.Settings.defaults().withMaxConcurrentCommands(8))) {
            String endpoint = c.start();
            try (NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "n1", SYSTEM)
                    .withPolicy(CommandPolicy.anyProgram()), exec).start()) {
                c.awaitNodes(List.of("n1"), Duration.ofSeconds(10));
                List<CompletableFuture<CommandResult>> fs = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    fs.add(c.executor("n1").run(Command.of("sh", "-c", "echo out-" + UUID.randomUUID() + "; echo err >&2; exit 3")));
                }
                for (CompletableFuture<CommandResult> f : fs) {
                    CommandResult r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.status()).isEqualTo(CommandResult.Status.COMPLETED);
                    assertThat(r.exitCode()).isEqualTo(3);
                    assertThat(r.stdout()).startsWith("out-");
                    assertThat(r.stderr()).isEqualTo("err\n");
                }
                CommandResult slow = c.executor("n1").run(Command.of("sleep", "30").withTimeout(Duration.ofMillis(300)))
                        .get(10, TimeUnit.SECONDS);
                assertThat(slow.status()).isEqualTo(CommandResult.Status.TIMED_OUT);
                CommandResult missing = c.executor("n1").run(Command.of("no-such-program-zcl")).get(10, TimeUnit.SECONDS);
                assertThat(missing.status()).isEqualTo(CommandResult.Status.FAILED_TO_START);
                assertThat(missing.error()).contains("no-such-program-zcl");
                CommandResult noop = c.executor("n1").run(Command.of(NodeAgent.BUILTIN_NOOP)).get(10, TimeUnit.SECONDS);
                assertThat(noop.succeeded()).isTrue();
            }
        }
    }

    @Test
    void anAgentWithAnAllowListRefusesOtherPrograms() throws Exception {
        try (ZmqCoordinator c = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"));
             LocalNodeExecutor exec = new LocalNodeExecutor("n1", Map.of(), null)) {
            String endpoint = c.start();
            try (NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "n1", SYSTEM)
                    .withAllowedExecutables(java.util.Set.of("echo")), exec).start()) {
                c.awaitNodes(List.of("n1"), Duration.ofSeconds(10));
                assertThat(c.executor("n1").run(Command.of("echo", "hi")).get(10, TimeUnit.SECONDS).stdout()).isEqualTo("hi\n");
                CommandResult refused = c.executor("n1").run(Command.of("rm", "-rf", "/tmp/zcl-nothing")).get(10, TimeUnit.SECONDS);
                assertThat(refused.status()).isEqualTo(CommandResult.Status.FAILED_TO_START);
                assertThat(refused.error()).isEqualTo("'rm' is not on this agent's allow-list");
                CommandResult sneaky = c.executor("n1").run(Command.of("/bin/echo", "hi")).get(10, TimeUnit.SECONDS);
                assertThat(sneaky.status()).isEqualTo(CommandResult.Status.FAILED_TO_START);
            }
        }
    }
}
