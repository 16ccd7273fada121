package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.sim.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** CURVE between coordinator and agents: who is let in, who is refused, and what each side says. */
@Timeout(90)
@Tag("slow")
class CurveTest {

    private static final SystemConfiguration SYSTEM = new SystemConfiguration("n1", List.of(), List.of(), List.of());

    private Path dir;
    private Path allowed;
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final List<String> nodeUps = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> zapLog = new ListAppender<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("zcl-curve-");
        allowed = Files.createDirectories(dir.resolve("agents"));
        zapLog.start();
        ((Logger) LoggerFactory.getLogger(ZapAuthenticator.class)).addAppender(zapLog);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeLast.size() - 1; i >= 0; i--) {
            closeLast.get(i).close();
        }
        ((Logger) LoggerFactory.getLogger(ZapAuthenticator.class)).detachAppender(zapLog);
        TempDirs.deleteTree(dir);
    }

    /** keygen as the CLI does it: NAME.key and NAME.key_secret in a folder. */
    private CurveKeys keygen(String name) throws IOException {
        CurveKeys k = CurveKeys.generate();
        k.save(dir.resolve("keys"), name);
        return CurveKeys.loadSecret(dir.resolve("keys").resolve(name + CurveKeys.SECRET_SUFFIX));
    }

    private void allow(String name) throws IOException {
        Files.copy(dir.resolve("keys").resolve(name + CurveKeys.PUBLIC_SUFFIX), allowed.resolve(name + ".key"));
    }

    private ZmqCoordinator coordinator(CurveKeys keys) throws IOException {
        ZmqCoordinator c = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"));
        if (keys != null) {
            c.secure(new Curve.Server(keys, KeyAllowList.folder(allowed)));
        }
        c.addListener(new CoordinatorListener() {
            @Override
            public void nodeUp(String nodeId, SystemConfiguration system, boolean agentRestarted) {
                nodeUps.add(nodeId);
            }
        });
        closeLast.add(c);
        c.start();
        return c;
    }

    private NodeAgent agent(ZmqCoordinator c, String nodeId, CurveKeys own, CurveKeys pinned) {
        LocalNodeExecutor exec = new LocalNodeExecutor(nodeId, Map.of(), null);
        closeLast.add(exec);
        NodeAgent a = new NodeAgent(NodeAgent.Settings.defaults(c.endpoint(), nodeId, SYSTEM).withBackoff(100, 400)
                .withPolicy(CommandPolicy.anyProgram()), exec);
        if (own != null) {
            a.withCurve(new Curve.Client(own, pinned.publicOnly()));
        }
        closeLast.add(a);
        return a.start();
    }

    @Test
    void agentsWithAllowedKeysRunRealCommandsOverCurve() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys n1 = keygen("node-1");
        allow("node-1");
        ZmqCoordinator c = coordinator(server);
        NodeAgent a = agent(c, "node-1", n1, server);
        assertThat(c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10))).isEmpty();
        CommandResult r = c.executor("node-1").run(Command.of("echo", "over", "curve")).get(10, TimeUnit.SECONDS);
        assertThat(r.stdout()).isEqualTo("over curve\n");
        assertThat(a.state()).isEqualTo(NodeAgent.State.READY);
        assertThat(a.handshakeFailure()).isNull();
        assertThat(c.handshakesAccepted()).isEqualTo(1);
        assertThat(c.handshakesRefused()).isZero();
    }

    @Test
    void anAgentWithAnUnknownKeyIsRefusedAndKeepsRetryingWithBackoff() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys stranger = keygen("stranger");
        keygen("node-1");
        allow("node-1");
        ZmqCoordinator c = coordinator(server);
        NodeAgent a = agent(c, "node-1", stranger, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.handshakeFailures() >= 2);
        assertThat(a.state()).isEqualTo(NodeAgent.State.CONNECTING);
        assertThat(a.handshakeFailure()).contains("refused this agent's key").contains("--allow-keys");
        assertThat(c.handshakesRefused()).isGreaterThanOrEqualTo(2);
        assertThat(c.handshakesAccepted()).isZero();
        assertThat(c.upNodes()).isEmpty();
        assertThat(nodeUps).isEmpty();
        assertThat(zapLog.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("refused agent key " + stranger.publicKey() + " from"));
    }

    @Test
    void anAgentRefusesACoordinatorWhoseKeyIsNotThePinnedOne() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys impostor = keygen("impostor");
        CurveKeys n1 = keygen("node-1");
        allow("node-1");
        ZmqCoordinator c = coordinator(impostor); // the agent pins `server`, this one holds another key
        NodeAgent a = agent(c, "node-1", n1, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.handshakeFailures() >= 2);
        assertThat(a.state()).isEqualTo(NodeAgent.State.CONNECTING);
        assertThat(a.handshakeFailure()).contains("not the pinned one");
        assertThat(nodeUps).isEmpty();
        assertThat(c.handshakesAccepted()).isZero();
    }

    @Test
    void aPlaintextAgentCannotTalkToACurveCoordinator() throws Exception {
        CurveKeys server = keygen("coordinator");
        ZmqCoordinator c = coordinator(server);
        NodeAgent a = agent(c, "node-1", null, null);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.handshakeFailures() >= 1);
        assertThat(a.handshakeFailure()).contains("requires CURVE").contains("--curve-secret");
        // A hand-made plaintext DEALER gets nothing either: no WELCOME, no ERROR.
        try (ZContext ctx = new ZContext(); ZMQ.Socket raw = ctx.createSocket(SocketType.DEALER)) {
            raw.setReceiveTimeOut(1500);
            raw.connect(c.endpoint());
            Message.of(Protocol.Cmd.HELLO, Map.of("version", 1L, "node_id", "raw", "instance", "i1")).toFrames().send(raw);
            assertThat(raw.recv()).isNull();
        }
        assertThat(nodeUps).isEmpty();
        assertThat(c.stats().messagesIn()).isZero();
    }

    @Test
    void aCurveAgentExplainsAPlaintextCoordinator() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys n1 = keygen("node-1");
        ZmqCoordinator c = coordinator(null);
        NodeAgent a = agent(c, "node-1", n1, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.handshakeFailures() >= 1);
        assertThat(a.handshakeFailure()).contains("runs without CURVE (--insecure)");
        assertThat(nodeUps).isEmpty();
    }

    @Test
    void theAllowListFolderIsReReadSoKeysRotateWithoutARestart() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys old = keygen("node-1+2025");
        CurveKeys fresh = keygen("node-1+2026");
        allow("node-1+2025");
        ZmqCoordinator c = coordinator(server);

        NodeAgent withOld = agent(c, "node-1", old, server);
        assertThat(c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10))).isEmpty();
        withOld.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !c.upNodes().contains("node-1"));

        // Step 1: the new key is not known yet: refused.
        NodeAgent withFresh = agent(c, "node-1", fresh, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> withFresh.handshakeFailures() >= 1);
        // Step 2: add the new public key; the agent's next retry gets in, no coordinator restart.
        allow("node-1+2026");
        assertThat(c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10))).isEmpty();
        // Step 3: remove the old public key; an agent still holding it is refused from now on.
        await().atMost(Duration.ofSeconds(10)).until(() -> withFresh.state() == NodeAgent.State.READY);
        Files.delete(allowed.resolve("node-1+2025.key"));
        NodeAgent stale = agent(c, "node-1", old, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> stale.handshakeFailures() >= 1);
        assertThat(stale.handshakeFailure()).contains("refused this agent's key");
        assertThat(withFresh.state()).isEqualTo(NodeAgent.State.READY);
    }

    @Test
    void aKeyAllowedForOneNodeCannotSayHelloAsAnother() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys n1 = keygen("node-1");
        allow("node-1");
        ZmqCoordinator c = coordinator(server);
        // The handshake passes (the key is allowed), but HELLO as node-2 is refused: NOT_ALLOWED.
        NodeAgent impostor = agent(c, "node-2", n1, server);
        await().atMost(Duration.ofSeconds(10)).until(() -> impostor.state() == NodeAgent.State.REJECTED);
        assertThat(c.upNodes()).isEmpty();
        assertThat(nodeUps).isEmpty();
        assertThat(c.protocolErrors().count(Protocol.ErrorCode.NOT_ALLOWED)).isPositive();
        // The same key as the node it names gets in.
        NodeAgent honest = agent(c, "node-1", n1, server);
        assertThat(c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10))).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> honest.state() == NodeAgent.State.READY);
        assertThat(ZmqCoordinator.keyMayActAs("node-1+2026", "node-1")).isTrue();
        assertThat(ZmqCoordinator.keyMayActAs("node-10", "node-1")).isFalse();
        assertThat(ZmqCoordinator.keyMayActAs(null, "node-1")).isFalse();
    }

    @Test
    void theSameServerSetupSecuresAPubSocketForMonitors() throws Exception {
        CurveKeys server = CurveKeys.generate();
        CurveKeys monitor = CurveKeys.generate();
        CurveKeys stranger = CurveKeys.generate();
        Curve.Server events = new Curve.Server(server, KeyAllowList.of(List.of(monitor)));
        try (ZContext ctx = new ZContext(); ZContext clients = new ZContext()) {
            ZMQ.Socket pub = ctx.createSocket(SocketType.PUB);
            ZapAuthenticator.Registration zap = events.secure(ctx, pub, "monitor");
            int port = pub.bindToRandomPort("tcp://127.0.0.1");
            ZMQ.Socket good = clients.createSocket(SocketType.SUB);
            ZMQ.Socket bad = clients.createSocket(SocketType.SUB);
            new Curve.Client(monitor, server.publicOnly()).secure(good);
            new Curve.Client(stranger, server.publicOnly()).secure(bad);
            for (ZMQ.Socket sub : List.of(good, bad)) {
                sub.subscribe(new byte[0]);
                sub.setReceiveTimeOut(100);
                sub.connect("tcp://127.0.0.1:" + port);
            }
            String got = null;
            for (int i = 0; i < 100 && got == null; i++) { // a SUB joins late: publish until it hears
                pub.send("node-1 up");
                got = good.recvStr();
            }
            assertThat(got).isEqualTo("node-1 up");
            assertThat(bad.recvStr()).isNull();
            assertThat(zap.accepted()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> zap.refused() >= 1);
            assertThat(zapLog.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.startsWith("refused monitor key " + stranger.publicKey()));
            ctx.destroySocket(pub);
            zap.close();
        }
    }

    @Test
    void keyFilesAreZeroMqCertificatesAndTheSecretOneIsPrivate() throws Exception {
        CurveKeys k = CurveKeys.generate();
        Path secret = k.save(dir, "n1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("n1.key"))).contains(k.publicKey()).doesNotContain(k.secretKey());
        assertThat(CurveKeys.loadSecret(secret)).isEqualTo(k);
        // The folder's public keys, as JeroMQ's own certificate store reads them.
        assertThat(new org.zeromq.ZCertStore(dir.toString()).containsPublicKey(k.publicKey())).isTrue();
        assertThatThrownBy(() -> CurveKeys.loadSecret(dir.resolve("n1.key")))
                .hasMessageContaining("has no secret-key");
        assertThatThrownBy(() -> k.save(dir, "n1")).hasMessageContaining("exists already");
        assertThat(k.toString()).doesNotContain(k.secretKey());
        Files.writeString(dir.resolve("junk.key"), "public-key = \"short\"\n");
        assertThatThrownBy(() -> CurveKeys.loadPublic(dir.resolve("junk.key"))).hasMessageContaining("40 Z85");
    }

    @Test
    void aSecretFileInTheAllowListFolderIsNotUsed() throws Exception {
        CurveKeys k = keygen("node-1");
        Files.copy(dir.resolve("keys/node-1.key_secret"), allowed.resolve("node-1.key_secret"));
        Files.writeString(allowed.resolve("notes.txt"), "not a key");
        KeyAllowList list = KeyAllowList.folder(allowed);
        assertThat(list.allows(k.publicKeyBytes())).isFalse();
        allow("node-1");
        assertThat(list.allows(k.publicKeyBytes())).isTrue();
        assertThat(list.nameOf(k.publicKeyBytes())).isEqualTo("node-1");
    }

    @Test
    void removingAKeyEndsTheLiveSessionThatUsesItNotOnlyFutureConnections() throws Exception {
        CurveKeys server = keygen("coordinator");
        CurveKeys n1 = keygen("node-1");
        CurveKeys n2 = keygen("node-2");
        allow("node-1");
        allow("node-2");
        ZmqCoordinator c = coordinator(server);
        List<String> lost = new CopyOnWriteArrayList<>();
        c.addListener(new CoordinatorListener() {
            @Override
            public void nodeLost(String nodeId, String reason) {
                lost.add(nodeId + ": " + reason);
            }
        });
        NodeAgent revoked = agent(c, "node-1", n1, server);
        NodeAgent kept = agent(c, "node-2", n2, server);
        assertThat(c.awaitNodes(List.of("node-1", "node-2"), Duration.ofSeconds(10))).isEmpty();

        Files.delete(allowed.resolve("node-1.key"));
        // By the once-a-second check (the reason below tells it from a liveness expiry; the 30 s only bounds a hang).
        await().atMost(Duration.ofSeconds(30)).until(() -> !c.upNodes().contains("node-1"));
        // the listener hears of it on the coordinator's thread, after upNodes changed: wait for it too
        await().atMost(Duration.ofSeconds(30)).until(() -> !lost.isEmpty());
        assertThat(lost).containsExactly("node-1: its key 'node-1' was removed from the allow-list");
        // Its connection is still open, but its HELLO on it is refused: the agent stops.
        await().atMost(Duration.ofSeconds(10)).until(() -> revoked.state() == NodeAgent.State.REJECTED);
        assertThat(revoked.rejection()).contains("no longer in the coordinator's allow-list");
        assertThat(c.upNodes()).containsExactly("node-2");
        assertThat(kept.state()).isEqualTo(NodeAgent.State.READY);
        assertThat(c.executor("node-2").run(Command.of("true")).get(10, java.util.concurrent.TimeUnit.SECONDS).status())
                .isEqualTo(CommandResult.Status.COMPLETED);
    }
}
