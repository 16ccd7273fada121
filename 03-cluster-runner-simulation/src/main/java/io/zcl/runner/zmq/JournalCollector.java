package io.zcl.runner.zmq;

import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.journal.JournalJson;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * The receiving end of {@link ZmqJournalWriter}: a ROUTER that appends each JOURNAL record to a
 * local journal and answers JOURNAL_ACK only once that journal says the record is durable. A
 * record re-sent after a lost ACK (same writer, same or lower seq) is acknowledged again without
 * being written twice, so the file holds each record once.
 */
public final class JournalCollector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JournalCollector.class);

    private final JournalWriter journal;
    private final String bind;
    private final ZContext ctx = new ZContext(1);
    private final Wakeup wakeup = new Wakeup();
    /** ACKs to send, produced on the journal's ack thread, sent on the I/O thread. */
    private final ConcurrentLinkedQueue<byte[][]> acks = new ConcurrentLinkedQueue<>();
    /** Highest seq written per writer id, so a re-sent record is not appended again. */
    private final Map<String, Long> written = new HashMap<>();
    private final Map<String, CompletableFuture<Void>> lastWrite = new HashMap<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile boolean running = true;
    private volatile String endpoint;
    private volatile RuntimeException startFailure;

    /** @param journal where records go; the collector does not close it */
    public JournalCollector(String bind, JournalWriter journal) {
        this.bind = bind;
        this.journal = journal;
    }

    /** Binds and starts; returns the bound endpoint. */
    public String start() throws InterruptedException {
        Thread t = new Thread(this::loop, "journal-collector");
        t.setDaemon(true);
        t.start();
        started.await(10, TimeUnit.SECONDS);
        if (startFailure != null) {
            throw startFailure;
        }
        return endpoint;
    }

    public long recordsWritten() {
        return records.get();
    }

    public long duplicatesIgnored() {
        return duplicates.get();
    }

    private void loop() {
        ZMQ.Socket router;
        try {
            router = ctx.createSocket(SocketType.ROUTER);
            router.setLinger(0);
            router.setMaxMsgSize(Protocol.MAX_FRAME_BYTES);
            router.bind(bind);
            endpoint = router.getLastEndpoint();
        } catch (RuntimeException e) {
            startFailure = new IllegalStateException("cannot bind " + bind + ": " + e.getMessage(), e);
            started.countDown();
            stopped.countDown();
            return;
        }
        started.countDown();
        try (Readiness ready = new Readiness(List.of(router), List.of(wakeup.source()))) {
            while (running) {
                ready.await(1000);
                if (ready.selected(wakeup.source())) {
                    wakeup.drain();
                }
                byte[][] ack;
                while ((ack = acks.poll()) != null) {
                    Frames.send(router, ack[0], Message.of(Cmd.JOURNAL_ACK, Map.of(Field.SEQ,
                            Long.parseLong(new String(ack[1], StandardCharsets.US_ASCII)))));
                }
                ZMsg msg;
                while ((msg = ZMsg.recvMsg(router, ZMQ.DONTWAIT)) != null) {
                    byte[] identity = msg.pop().getData();
                    try {
                        handle(identity, Message.parse(msg));
                    } catch (ProtocolException e) {
                        Frames.send(router, identity, Message.error(e.code(), e.getMessage()));
                    }
                }
            }
        } finally {
            ctx.close();
            wakeup.close();
            stopped.countDown();
        }
    }

    private void handle(byte[] identity, Message m) throws ProtocolException {
        if (m.cmd() == Cmd.HEARTBEAT) {
            return;
        }
        if (m.cmd() != Cmd.JOURNAL) {
            throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND, "a journal collector takes JOURNAL only, got " + m.cmd());
        }
        String writer = m.body().string(Field.WRITER);
        long seq = m.body().integer(Field.SEQ);
        JournalRecord record;
        try {
            record = JournalJson.fromLine(m.body().string(Field.RECORD));
        } catch (java.io.IOException e) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "record is not a journal record: " + e.getMessage());
        }
        byte[] seqText = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
        Long last = written.get(writer);
        if (last != null && seq <= last) {
            // Written before and the writer missed our ACK. Journal writes complete in order, so
            // once this writer's latest write is durable, this one is too.
            duplicates.incrementAndGet();
            lastWrite.get(writer).whenComplete((v, e) -> ack(identity, seqText, e));
            return;
        }
        written.put(writer, seq);
        records.incrementAndGet();
        CompletableFuture<Void> done = journal.write(record);
        lastWrite.put(writer, done);
        done.whenComplete((v, e) -> ack(identity, seqText, e));
    }

    private void ack(byte[] identity, byte[] seq, Throwable error) {
        if (error != null) {
            LOG.error("journal write failed; record not acknowledged: {}", error.toString());
            return; // the writer keeps it and re-sends; the local journal says what went wrong
        }
        acks.add(new byte[][] {identity, seq});
        wakeup.wake();
    }

    @Override
    public void close() {
        running = false;
        wakeup.wake();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
