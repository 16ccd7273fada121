package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Fresh DEALERs that connect and send at once, the pattern that makes JeroMQ 0.6.0 leave about
 * 1 % of new connections without a handshake (see {@link ConnectRace}). Through
 * {@link ConnectRace#connect} every one must get its answer within the shortened handshake
 * interval plus a margin; with JeroMQ's default of 30 s a stuck connection would wait 30 s.
 */
@Timeout(120)
@Tag("slow")
class ConnectRaceTest {

    private static final int CONNECTIONS = 300;
    private static final int LIMIT_MS = ConnectRace.HANDSHAKE_IVL_MS + 7_000;

    @Test
    void everyFreshConnectionIsAnsweredWithinTheHandshakeInterval() throws Exception {
        try (ZContext server = new ZContext(1); ZContext clients = new ZContext(1)) {
            ZMQ.Socket router = server.createSocket(SocketType.ROUTER);
            router.setLinger(0);
            router.setReceiveTimeOut(100);
            router.bind("tcp://127.0.0.1:*");
            String endpoint = router.getLastEndpoint();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread echo = new Thread(() -> {
                while (running.get()) {
                    ZMsg m = ZMsg.recvMsg(router, true);
                    if (m != null) {
                        router.sendMore(m.pop().getData());
                        router.send("ok");
                    }
                }
            }, "connect-race-echo");
            echo.start();
            List<Long> slowMs = new ArrayList<>();
            long worstMs = 0;
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    ZMQ.Socket dealer = clients.createSocket(SocketType.DEALER);
                    dealer.setLinger(0);
                    dealer.setReceiveTimeOut(LIMIT_MS);
                    ConnectRace.connect(dealer, endpoint);
                    long t0 = System.nanoTime();
                    dealer.send("hello " + i);
                    String reply = dealer.recvStr();
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    clients.destroySocket(dealer);
                    assertThat(reply).as("answer on fresh connection %d (waited %d ms)", i, ms).isEqualTo("ok");
                    worstMs = Math.max(worstMs, ms);
                    if (ms >= ConnectRace.HANDSHAKE_IVL_MS) {
                        slowMs.add(ms);
                    }
                }
            } finally {
                running.set(false);
                echo.join(5_000);
            }
            // How often the JeroMQ race struck (each such connection waited one handshake interval).
            System.out.printf("%d fresh connections: %d waited for the %d ms handshake retry %s; worst %d ms%n",
                    CONNECTIONS, slowMs.size(), ConnectRace.HANDSHAKE_IVL_MS, slowMs, worstMs);
            assertThat(worstMs).isLessThan(LIMIT_MS);
        }
    }
}
