package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * The coordinator's liveness decisions read a clock the test owns: a node is declared lost when
 * the test moves time past liveness x interval, not after real seconds of waiting.
 */
@Timeout(30)
class CoordinatorClockTest {

    @Test
    void aNodeIsLostExactlyWhenItsSilenceReachesLivenessTimesIntervalAndItsCommandAfterTheGrace() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        List<String> lost = new CopyOnWriteArrayList<>();
        // 10 s heartbeats, liveness 3, 60 s grace: none of it can pass in real time during this test.
        try (ZmqCoordinator c = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", 10_000, 3, 60_000),
                null, now::get);
             ZContext ctx = new ZContext();
             ZMQ.Socket agent = ctx.createSocket(SocketType.DEALER)) {
            c.addListener(new CoordinatorListener() {
                @Override
                public void nodeLost(String nodeId, String reason) {
                    lost.add(nodeId + ": " + reason);
                }
            });
            c.start();
            agent.setReceiveTimeOut(30_000); // an upper bound: replies come in milliseconds
            ConnectRace.connect(agent, c.endpoint()); // retries a connection JeroMQ left without a handshake (jeromq#1022)
            Message.of(Protocol.Cmd.HELLO, Map.of("version", 1L, "node_id", "n1", "instance", "i1")).toFrames().send(agent);
            assertThat(Message.parse(ZMsg.recvMsg(agent)).cmd()).isEqualTo(Protocol.Cmd.WELCOME);
            CompletableFuture<CommandResult> f = c.executor("n1").run(Command.of("true"));
            assertThat(Message.parse(ZMsg.recvMsg(agent)).cmd()).isEqualTo(Protocol.Cmd.RUN);

            now.addAndGet(29_999);
            c.poke();
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(30)).until(lost::isEmpty);

            now.addAndGet(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> lost.size() == 1);
            assertThat(lost.get(0)).startsWith("n1: silent for 30000 ms");
            assertThat(f).isNotDone(); // the grace period has not passed

            now.addAndGet(60_000);
            c.poke();
            CommandResult r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(CommandResult.Status.NODE_LOST);
            assertThat(r.error()).isEqualTo("node n1 lost and not back within 60000 ms");
        }
    }
}
