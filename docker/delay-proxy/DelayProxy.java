import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy that delays one direction of every connection: the userspace stand-in for
 * {@code tc netem delay} on kernels without sch_netem. A node container runs one in front of its
 * ZeroMQ connection to the coordinator and one in front of its sshd, delaying what leaves the
 * node, which is what netem on the node's egress would do.
 *
 * <pre>
 * java -cp /opt/zcl/delay-proxy DelayProxy LISTEN_HOST:PORT TARGET_HOST:PORT DIRECTION DELAY_MS [JITTER_MS]
 *   DIRECTION  up: delay bytes from the connecting side to the target; down: from the target back
 * </pre>
 *
 * <p>Each chunk read is held until its arrival time + delay + a uniform jitter in [-J, +J], but
 * never sent before the chunk ahead of it: a TCP stream cannot be reordered, so jitter shows up
 * as bunching, as it does through netem. Reading stops while 256 chunks wait, so a slow far end
 * slows the sender (backpressure) instead of filling memory. Two threads per direction per
 * connection: this carries a coordinator's control traffic, not bulk data.
 */
public final class DelayProxy {

    private static final int CHUNK = 64 * 1024;
    private static final int QUEUED_CHUNKS = 256;
    private static final byte[] EOF = new byte[0];

    private record Chunk(byte[] data, long dueNanos) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4 || args.length > 5 || !(args[2].equals("up") || args[2].equals("down"))) {
            System.err.println("usage: DelayProxy LISTEN_HOST:PORT TARGET_HOST:PORT up|down DELAY_MS [JITTER_MS]");
            System.exit(2);
        }
        InetSocketAddress listen = address(args[0]);
        String target = args[1];
        boolean delayUp = args[2].equals("up");
        long delayNanos = millisToNanos(args[3]);
        long jitterNanos = args.length == 5 ? millisToNanos(args[4]) : 0;
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(listen);
            System.out.printf("delay-proxy: %s -> %s, %s direction delayed %s ms +- %s ms%n", args[0], target,
                    delayUp ? "up" : "down", args[3], args.length == 5 ? args[4] : "0");
            System.out.flush();
            while (true) {
                Socket client = server.accept();
                startDaemon(() -> connect(client, target, delayUp, delayNanos, jitterNanos));
            }
        }
    }

    private static void connect(Socket client, String target, boolean delayUp, long delayNanos, long jitterNanos) {
        Socket upstream = new Socket();
        try {
            upstream.connect(address(target), 10_000);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            pump(client, upstream, delayUp ? delayNanos : 0, delayUp ? jitterNanos : 0);
            pump(upstream, client, delayUp ? 0 : delayNanos, delayUp ? 0 : jitterNanos);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    /** Copies from to to, each chunk held for the delay; closes both sockets when either side fails. */
    private static void pump(Socket from, Socket to, long delayNanos, long jitterNanos) {
        BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
        startDaemon(() -> {
            long lastDue = 0;
            try (InputStream in = from.getInputStream()) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long jitter = jitterNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitterNanos, jitterNanos + 1);
                    lastDue = Math.max(lastDue, System.nanoTime() + delayNanos + jitter);
                    queue.put(new Chunk(Arrays.copyOf(buf, n), lastDue));
                }
                queue.put(new Chunk(EOF, Math.max(lastDue, System.nanoTime() + delayNanos)));
            } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
        startDaemon(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = queue.take();
                    for (long wait = c.dueNanos() - System.nanoTime(); wait > 0; wait = c.dueNanos() - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    if (c.data() == EOF) {
                        to.shutdownOutput();
                        return;
                    }
                    out.write(c.data());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static long millisToNanos(String ms) {
        double v = Double.parseDouble(ms);
        if (v < 0) {
            throw new IllegalArgumentException("delays must be >= 0, got " + ms);
        }
        return (long) (v * 1_000_000);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing after a failure: nothing left to report
        }
    }

    private static void startDaemon(Runnable r) {
        Thread t = new Thread(r, "delay-proxy");
        t.setDaemon(true);
        t.start();
    }
}
