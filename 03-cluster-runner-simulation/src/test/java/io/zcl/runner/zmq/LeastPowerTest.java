package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.SystemConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * What an agent does with what it is sent: only the protocol's commands, only argv (never a
 * shell string: see Command), only allow-listed programs (AgentWithProcessesTest), and a
 * coordinator admits only the cluster's node ids.
 */
@Timeout(60)
class LeastPowerTest {

    private static final SystemConfiguration SYSTEM = new SystemConfiguration("n1", List.of(), List.of(), List.of());

    @Test
    void anAgentAnswersUnknownAndMisdirectedCommandsWithAnErrorAndRunsNothing() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor("n1");
        try (ZContext ctx = new ZContext(); ZMQ.Socket fake = ctx.createSocket(SocketType.ROUTER)) {
            fake.setReceiveTimeOut(30_000); // an upper bound: replies come in milliseconds
            int port = fake.bindToRandomPort("tcp://127.0.0.1");
            try (NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults("tcp://127.0.0.1:" + port, "n1", SYSTEM),
                    exec).start()) {
                ZMsg hello = ZMsg.recvMsg(fake);
                byte[] id = hello.pop().getData();
                assertThat(Message.parse(hello).cmd()).isEqualTo(Protocol.Cmd.HELLO);
                Frames.send(fake, id, Message.of(Protocol.Cmd.WELCOME, Map.of("version", 1L)));
                await().atMost(Duration.ofSeconds(30)).until(() -> agent.state() == NodeAgent.State.READY);

                // A command byte the protocol does not have.
                fake.sendMore(id);
                fake.sendMore(Protocol.SIGNATURE);
                fake.sendMore(new byte[] {0x7e});
                fake.send(Body.empty().encode());
                assertThat(nextError(fake)).isEqualTo("UNKNOWN_COMMAND");
                // A command only agents send.
                Frames.send(fake, id, Message.of(Protocol.Cmd.RESULT, Map.of("cmd_id", "x")));
                assertThat(nextError(fake)).isEqualTo("UNKNOWN_COMMAND");
                // A RUN whose argv is a string, not a list: refused, not handed to a shell.
                Frames.send(fake, id, Message.of(Protocol.Cmd.RUN, Map.of("cmd_id", "c1", "argv", "rm -rf /")));
                assertThat(nextError(fake)).isEqualTo("BAD_BODY");
                assertThat(exec.started.get()).isZero();
                assertThat(agent.state()).isEqualTo(NodeAgent.State.READY);

                // A broken message may have been a RUN: the agent answers and then resynchronises
                // with a HELLO on the live session, listing what it runs and holds.
                fake.sendMore(id);
                fake.send("half a message");
                assertThat(nextError(fake)).isEqualTo("BAD_FRAMES");
                Message again = next(fake, Protocol.Cmd.HELLO);
                assertThat(again.body().string("instance")).isEqualTo(agent.instance());
                // And the same when the coordinator says it could not read what the agent sent.
                Frames.send(fake, id, Message.error(Protocol.ErrorCode.BAD_FRAMES, "expected 3 frames"));
                assertThat(next(fake, Protocol.Cmd.HELLO).body().string("node_id")).isEqualTo("n1");
            }
        }
    }

    @Test
    void aCoordinatorRefusesNodeIdsOutsideItsClusterAndTheAgentStops() throws Exception {
        try (ZmqCoordinator c = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"))
                .restrictToNodes(Set.of("node-1"))) {
            String endpoint = c.start();
            try (NodeAgent intruder = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "node-9", SYSTEM),
                    new ScriptedExecutor("node-9")).start()) {
                assertThat(intruder.awaitStopped(Duration.ofSeconds(10))).isTrue();
                assertThat(intruder.state()).isEqualTo(NodeAgent.State.REJECTED);
                assertThat(intruder.rejection()).isEqualTo("node 'node-9' is not in this cluster");
                assertThat(c.upNodes()).isEmpty();
            }
        }
    }

    private static Message next(ZMQ.Socket fake, Protocol.Cmd cmd) throws ProtocolException {
        while (true) {
            ZMsg reply = ZMsg.recvMsg(fake);
            assertThat(reply).as("a %s within 5 s", cmd).isNotNull();
            reply.pop();
            Message m = Message.parse(reply);
            if (m.cmd() == cmd) {
                return m;
            }
        }
    }

    private static String nextError(ZMQ.Socket fake) throws ProtocolException {
        while (true) {
            ZMsg reply = ZMsg.recvMsg(fake);
            assertThat(reply).as("a reply within 5 s").isNotNull();
            reply.pop();
            Message m = Message.parse(reply);
            if (m.cmd() == Protocol.Cmd.ERROR) {
                return m.body().string("code");
            }
        }
    }
}
