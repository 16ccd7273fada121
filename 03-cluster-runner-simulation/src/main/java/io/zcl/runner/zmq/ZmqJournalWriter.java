package io.zcl.runner.zmq;

import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.journal.JournalException;
import io.zcl.runner.journal.JournalJson;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.Field;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * A {@link JournalWriter} whose file lives elsewhere: each record goes to a {@link JournalCollector}
 * as a JOURNAL message and its future completes when the collector answers JOURNAL_ACK, i.e. when
 * the record is durable there. Unacknowledged records are kept (at most {@code capacity}; a
 * writer beyond that waits) and sent again until acknowledged, so a dropped connection or a
 * restarted collector loses nothing.
 */
public final class ZmqJournalWriter implements JournalWriter {

    private final String writerId = UUID.randomUUID().toString();
    private final ZContext ctx = new ZContext(1);
    private final Wakeup wakeup = new Wakeup();
    private final ConcurrentLinkedQueue<Object[]> outbox = new ConcurrentLinkedQueue<>();
    private final Semaphore slots;
    private final long resendMs;
    private final String collector;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** seq -> [encoded record, future]; touched by the I/O thread only. */
    private final Map<Long, Object[]> unacked = new LinkedHashMap<>();
    private long nextSeq;
    private volatile boolean closed;
    private volatile boolean running = true;

    /**
     * @param collector endpoint of the collector, e.g. tcp://10.0.0.1:5556
     * @param capacity  records in flight before write() waits
     * @param resend    how long to wait for an ACK before sending again
     */
    public ZmqJournalWriter(String collector, int capacity, Duration resend) {
        this.collector = collector;
        this.slots = new Semaphore(capacity);
        this.resendMs = resend.toMillis();
        Thread t = new Thread(this::loop, "zmq-journal-writer");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public CompletableFuture<Void> write(JournalRecord record) {
        if (closed) {
            return CompletableFuture.failedFuture(new JournalException("journal writer to " + collector + " is closed"));
        }
        String line;
        try {
            line = new String(JournalJson.toLine(record), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new JournalException("cannot encode " + record + ": " + e.getMessage()));
        }
        slots.acquireUninterruptibly(); // backpressure: never drop
        CompletableFuture<Void> done = new CompletableFuture<>();
        done.whenComplete((v, e) -> slots.release());
        outbox.add(new Object[] {line, done});
        wakeup.wake();
        return done;
    }

    @Override
    public void flush() {
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        outbox.add(new Object[] {null, barrier});
        wakeup.wake();
        barrier.join();
    }

    private void loop() {
        try {
            try (ZMQ.Socket socket = ctx.createSocket(SocketType.DEALER)) {
                socket.setLinger(0);
                ConnectRace.connect(socket, collector);
                try (Readiness ready = new Readiness(List.of(socket), List.of(wakeup.source()))) {
                    serve(socket, ready);
                }
            }
        } finally {
            ctx.close();
            wakeup.close();
            stopped.countDown();
        }
    }

    private void serve(ZMQ.Socket socket, Readiness ready) {
        long lastSend = 0;
        CompletableFuture<Void> barrier = null;
        while (running) {
            ready.await(Math.max(1, resendMs / 2));
            if (ready.selected(wakeup.source())) {
                wakeup.drain();
            }
            Object[] item;
            while ((item = outbox.poll()) != null) {
                if (item[0] == null) {
                    barrier = chain(barrier, (CompletableFuture<?>) item[1]);
                    continue;
                }
                long seq = nextSeq++;
                unacked.put(seq, item);
                send(socket, seq, (String) item[0]);
                lastSend = System.currentTimeMillis();
            }
            ZMsg msg;
            while ((msg = ZMsg.recvMsg(socket, ZMQ.DONTWAIT)) != null) {
                try {
                    Message m = Message.parse(msg);
                    if (m.cmd() == Cmd.JOURNAL_ACK) {
                        Object[] acked = unacked.remove(m.body().integer(Field.SEQ));
                        if (acked != null) {
                            ((CompletableFuture<?>) acked[1]).complete(null);
                        }
                    }
                } catch (ProtocolException e) {
                    // a confused collector: keep the records and send them again
                }
            }
            if (!unacked.isEmpty() && System.currentTimeMillis() - lastSend >= resendMs) {
                unacked.forEach((seq, rec) -> send(socket, seq, (String) rec[0]));
                lastSend = System.currentTimeMillis();
            }
            if (barrier != null && unacked.isEmpty()) {
                barrier.complete(null);
                barrier = null;
            }
        }
        JournalException gone = new JournalException("journal writer closed before the collector acknowledged");
        unacked.values().forEach(rec -> ((CompletableFuture<?>) rec[1]).completeExceptionally(gone));
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<Void> chain(CompletableFuture<Void> existing, CompletableFuture<?> next) {
        if (existing == null) {
            return (CompletableFuture<Void>) next;
        }
        existing.whenComplete((v, e) -> ((CompletableFuture<Void>) next).complete(null));
        return existing;
    }

    private void send(ZMQ.Socket socket, long seq, String line) {
        Frames.send(socket, null, Message.of(Cmd.JOURNAL, Map.of(Field.WRITER, writerId, Field.SEQ, seq, Field.RECORD, line)));
    }

    /** Waits until every record is acknowledged, then disconnects. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        flush();
        running = false;
        wakeup.wake();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
