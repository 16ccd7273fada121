package io.zcl.patterns.lru;

import io.zcl.patterns.protocol.Protocol;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQ.Socket;
import org.zeromq.ZMsg;

/**
 * LRU queue: load balancing by asking (zguide ch.3 "lbbroker"), in one process.
 *
 * <pre>
 *   broker   ROUTER  bind     inproc://lru-queue  a {@link ReadyQueue} of idle workers; each task goes
 *                                                to the worker idle the longest
 *   workers  DEALER  connect  inproc://lru-queue  3 threads: [READY], then [TASK][id] -&gt; [RESULT][id]
 * </pre>
 * The workers differ in speed (20, 60 and 150 ms a task). A PUSH socket would deal the 30 tasks
 * round-robin, 10 each, and the fast worker would wait for the slow one. Here a worker gets a task
 * only when it says it is free (READY, or a RESULT), so the fast one does most of the work.
 * No heartbeats: see the heartbeat and cluster examples for what happens when a worker dies.
 * <pre>
 *   ./zcl example lru-queue
 * </pre>
 */
public final class LruQueue {

    private static final String ENDPOINT = "inproc://lru-queue";
    private static final int TASKS = 30;
    private static volatile boolean running = true;

    public static void main(String[] args) throws InterruptedException {
        run(System.out);
    }

    /** Runs the 30 tasks, printing each dispatch; returns how many each worker did. */
    public static Map<String, Integer> run(PrintStream out) throws InterruptedException {
        running = true;
        Map<String, Long> speeds = new LinkedHashMap<>();
        speeds.put("fast", 20L);
        speeds.put("medium", 60L);
        speeds.put("slow", 150L);
        Map<String, Integer> done = new LinkedHashMap<>();
        try (ZContext ctx = new ZContext()) {
            Socket broker = ctx.createSocket(SocketType.ROUTER);
            broker.setLinger(0);
            broker.setReceiveTimeOut((int) Protocol.MAX_POLL_MS);
            broker.bind(ENDPOINT);
            List<Thread> workers = speeds.entrySet().stream()
                    .map(e -> new Thread(() -> worker(ctx, e.getKey(), e.getValue()), e.getKey())).toList();
            workers.forEach(Thread::start);

            ReadyQueue<String> ready = new ReadyQueue<>();
            int next = 1;
            int finished = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (finished < TASKS && System.nanoTime() < deadline) {
                ZMsg msg = ZMsg.recvMsg(broker);
                if (msg != null) {
                    String worker = msg.popString();
                    if (msg.pop().getData()[0] == Protocol.RESULT) {
                        finished++;
                        done.merge(worker, 1, Integer::sum);
                    }
                    ready.ready(worker);
                    msg.destroy();
                }
                // Deal only once everyone is READY, so the first lines show the queue's order.
                boolean allReady = next > 1 || ready.size() == speeds.size();
                while (allReady && next <= TASKS && !ready.isEmpty()) {
                    List<String> idle = ready.inOrder();
                    String worker = ready.next().orElseThrow();
                    broker.sendMore(worker);
                    broker.sendMore(new byte[] {Protocol.TASK});
                    broker.send(String.format("t-%02d", next));
                    out.printf("t-%02d -> %-6s  (idle, longest first: %s)%n", next, worker, idle);
                    next++;
                }
            }
            running = false;
            for (Thread t : workers) {
                t.join(5000);
            }
            if (finished < TASKS) {
                throw new IllegalStateException("only " + finished + " of " + TASKS + " tasks finished in 20 s");
            }
        }
        out.printf("done per worker: %s (round-robin would give each %d)%n", done, TASKS / speeds.size());
        return done;
    }

    /** Says READY, then runs each task (a sleep standing in for work) and answers with RESULT. */
    private static void worker(ZContext ctx, String name, long taskMs) {
        Socket dealer = ctx.createSocket(SocketType.DEALER);
        dealer.setLinger(0);
        dealer.setIdentity(name.getBytes(ZMQ.CHARSET));
        dealer.setReceiveTimeOut((int) Protocol.MAX_POLL_MS);
        dealer.connect(ENDPOINT);
        dealer.send(new byte[] {Protocol.READY});
        try {
            while (running) {
                ZMsg task = ZMsg.recvMsg(dealer);
                if (task == null) {
                    continue;
                }
                task.pop();
                String id = task.popString();
                Thread.sleep(taskMs);
                dealer.sendMore(new byte[] {Protocol.RESULT});
                dealer.send(id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            dealer.close();
        }
    }

    private LruQueue() {
    }
}
