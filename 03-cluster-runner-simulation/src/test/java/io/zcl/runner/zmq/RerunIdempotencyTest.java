package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.zmq.FakeCoordinator.Received;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RUN the coordinator sends again (it reconnected, or resynchronised after a broken message)
 * must not run the command twice. A real agent with a real process executor, a fake coordinator
 * that sends the same RUN three times: while the command runs (ignored), after its RESULT but
 * before the ACK (the held RESULT again, byte for byte), after the ACK (ERROR DUPLICATE). The
 * command appends a line to a file each time it starts: one line at the end.
 *
 * <p>The agent's clock stands still (heartbeats every 10 s of it), so every message the fake
 * coordinator gets is an answer to what the test sent.
 */
@Timeout(60)
class RerunIdempotencyTest {

    private static final long QUIET_MS = 500;

    @TempDir
    Path dir;

    @Test
    void aResentRunIsIgnoredWhileRunningAnsweredWithTheHeldResultUntilAckedAndRefusedAsDuplicateAfter() throws Exception {
        Path runs = dir.resolve("runs.txt");
        Path release = dir.resolve("release");
        String id = "cmd-rerun-1";
        Message run = Message.of(Cmd.RUN, Map.of(Field.CMD_ID, id,
                Field.ARGV, List.of("sh", "-c", "echo started >> \"$1\"; while [ ! -e \"$2\" ]; do sleep 0.02; done; "
                        + "echo finished", "sh", runs.toString(), release.toString()),
                Field.ENV, Map.of(), Field.TIMEOUT_MS, 30_000, Field.STREAM, false));
        AtomicLong now = new AtomicLong(1_000_000);
        String node = "rerun-n1";
        try (FakeCoordinator coordinator = new FakeCoordinator();
             LocalNodeExecutor exec = new LocalNodeExecutor(node, Map.of(), null);
             NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(coordinator.endpoint(), node,
                     new SystemConfiguration(node, List.of(), List.of(), List.of())).withHeartbeat(10_000, 3)
                     .withBackoff(1_000, 1_000).withPolicy(CommandPolicy.anyProgram()), exec, null, now::get).start()) {
            Received hello = coordinator.receive(5_000);
            for (int attempt = 0; hello == null && attempt < 5; attempt++) {
                // the fresh connection stalled in JeroMQ (see NodeAgentClockTest): expire it and retry on the clock
                now.addAndGet(30_000);
                await().atMost(Duration.ofSeconds(30)).until(() -> agent.reconnects() > 0);
                now.addAndGet(1_000);
                hello = coordinator.receive(5_000);
            }
            assertThat(hello).as("the agent's HELLO").isNotNull();
            assertThat(hello.cmd()).isEqualTo(Cmd.HELLO);
            byte[] to = hello.from();
            coordinator.welcome(to, 10_000, 3);
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.state() == NodeAgent.State.READY);

            // 1. Running: the RUN again is ignored; no answer, no second process.
            coordinator.send(to, run);
            await().atMost(Duration.ofSeconds(10)).until(() -> lines(runs) == 1);
            assertThat(agent.runningIds()).containsExactly(id);
            coordinator.send(to, run);
            assertThat(coordinator.receive(QUIET_MS)).as("no answer to a RUN of a running command").isNull();
            assertThat(agent.runningIds()).containsExactly(id);
            assertThat(lines(runs)).isEqualTo(1);

            // 2. Finished, not acknowledged: its RESULT, and the same RESULT again for the RUN again.
            Files.createFile(release);
            Received result = coordinator.receive(10_000);
            assertThat(result).isNotNull();
            assertThat(result.cmd()).isEqualTo(Cmd.RESULT);
            assertThat(result.body()).containsEntry(Field.CMD_ID, id).containsEntry(Field.STATUS, "COMPLETED")
                    .containsEntry(Field.EXIT_CODE, 0L);
            assertThat(new String((byte[]) result.body().get(Field.STDOUT))).isEqualTo("finished\n");
            assertThat(coordinator.receive(QUIET_MS)).as("one RESULT for one run").isNull();
            assertThat(agent.unackedIds()).containsExactly(id);
            assertThat(agent.runningIds()).isEmpty();

            coordinator.send(to, run);
            Received again = coordinator.receive(5_000);
            assertThat(again).isNotNull();
            assertThat(again.cmd()).isEqualTo(Cmd.RESULT);
            assertThat(again.rawBody()).as("the held RESULT, byte for byte").isEqualTo(result.rawBody());
            assertThat(coordinator.receive(QUIET_MS)).isNull();
            assertThat(lines(runs)).isEqualTo(1);

            // 3. Acknowledged: the RUN again is refused as a duplicate, naming the command.
            coordinator.send(to, Message.of(Cmd.ACK, Map.of(Field.CMD_ID, id)));
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.unackedIds().isEmpty());
            coordinator.send(to, run);
            Received duplicate = coordinator.receive(5_000);
            assertThat(duplicate).isNotNull();
            assertThat(duplicate.cmd()).isEqualTo(Cmd.ERROR);
            assertThat(duplicate.body()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    Field.CODE, ErrorCode.DUPLICATE.name(),
                    Field.REASON, "command " + id + " already ran and was acknowledged",
                    Field.REF, id));
            assertThat(coordinator.receive(QUIET_MS)).isNull();
            assertThat(agent.protocolErrors().count(ErrorCode.DUPLICATE)).isEqualTo(1);
            assertThat(agent.runningIds()).isEmpty();
            assertThat(lines(runs)).as("the command started once").isEqualTo(1);
            assertThat(Files.readAllLines(runs)).containsExactly("started");
        }
    }

    private static long lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }
}
