package io.zcl.runner.zmq;

import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * The ZAP handler (ZeroMQ RFC 27) of one {@link ZContext}: a REP socket on
 * {@code inproc://zeromq.zap.01} that every CURVE server socket of the context asks, during each
 * handshake, whether the client's public key may connect.
 *
 * <p>Each server socket registers under its own ZAP domain with its own {@link KeyAllowList} and a
 * role for the log ("agent", "monitor"). A request for an unknown domain, or for any mechanism
 * other than CURVE, is refused: the handler fails closed.
 *
 * <p>Beware: JeroMQ lets every CURVE client in when no ZAP handler is bound in the context. The
 * handler is therefore reference-counted per context and stays bound while any registered socket
 * is open ({@link Curve.Server#secure} acquires it before the socket binds; the caller releases it
 * after the socket is closed).
 */
public final class ZapAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(ZapAuthenticator.class);

    public static final String ENDPOINT = "inproc://zeromq.zap.01";

    private static final Map<ZContext, ZapAuthenticator> BY_CONTEXT = new IdentityHashMap<>();
    private static final AtomicLong DOMAINS = new AtomicLong();

    /** One registered server socket. */
    public final class Registration implements AutoCloseable {
        final String domain;
        final String role;
        final KeyAllowList allowed;
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        private boolean closed;

        Registration(String domain, String role, KeyAllowList allowed) {
            this.domain = domain;
            this.role = role;
            this.allowed = allowed;
        }

        /** The ZAP domain set on the socket. */
        public String domain() {
            return domain;
        }

        /** Handshakes of allowed keys. */
        public long accepted() {
            return accepted.get();
        }

        /** Handshakes refused: unknown key, or not CURVE. */
        public long refused() {
            return refused.get();
        }

        /** Call after the socket is closed. */
        @Override
        public void close() {
            synchronized (BY_CONTEXT) {
                if (closed) {
                    return;
                }
                closed = true;
                domains.remove(domain);
                release();
            }
        }
    }

    private final ZContext ctx;
    private final Map<String, Registration> domains = new ConcurrentHashMap<>();
    private final ZMQ.Socket rep;
    private final Thread thread;
    private volatile boolean running = true;
    private int users;

    private ZapAuthenticator(ZContext ctx) {
        this.ctx = ctx;
        rep = ctx.createSocket(SocketType.REP);
        rep.setLinger(0);
        if (!rep.bind(ENDPOINT)) {
            ctx.destroySocket(rep);
            throw new IllegalStateException("cannot bind the ZAP handler on " + ENDPOINT
                    + ": another one is bound in this context");
        }
        thread = new Thread(this::loop, "zap-handler");
        thread.setDaemon(true);
        thread.start(); // the socket was made here; start() publishes it to the thread
    }

    /**
     * Registers a CURVE server socket's allow-list on the context's handler (starting it on first
     * use). Set the returned {@link Registration#domain()} as the socket's ZAP domain.
     */
    public static Registration register(ZContext ctx, String role, KeyAllowList allowed) {
        synchronized (BY_CONTEXT) {
            ZapAuthenticator zap = BY_CONTEXT.get(ctx);
            if (zap == null) {
                zap = new ZapAuthenticator(ctx);
                BY_CONTEXT.put(ctx, zap);
            }
            zap.users++;
            String domain = "zcl-" + role + "-" + DOMAINS.incrementAndGet();
            Registration r = zap.new Registration(domain, role, allowed);
            zap.domains.put(domain, r);
            return r;
        }
    }

    private void release() {
        if (--users == 0) {
            BY_CONTEXT.remove(ctx);
            running = false;
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        try (ZMQ.Poller poller = ctx.createPoller(1)) {
            poller.register(rep, ZMQ.Poller.POLLIN);
            while (running && !Thread.currentThread().isInterrupted()) {
                if (poller.poll(100) < 0) {
                    break; // context closing
                }
                if (poller.pollin(0)) {
                    ZMsg request = ZMsg.recvMsg(rep, ZMQ.DONTWAIT);
                    if (request != null) {
                        answer(request).send(rep);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("ZAP handler failed; CURVE handshakes now wait and fail", e);
            }
        } finally {
            try {
                ctx.destroySocket(rep);
            } catch (RuntimeException e) {
                // context already closed
            }
        }
    }

    /** One ZAP request: version, request id, domain, address, identity, mechanism, credentials. */
    private ZMsg answer(ZMsg request) {
        String version = request.popString();
        String requestId = request.popString();
        String domain = request.popString();
        String address = request.popString();
        request.pop(); // routing identity
        String mechanism = request.popString();
        byte[] key = request.isEmpty() ? null : request.pop().getData();
        Registration r = domain == null ? null : domains.get(domain);
        String status;
        String text;
        String user = "";
        if (!"1.0".equals(version)) {
            status = "500";
            text = "ZAP version 1.0 only";
        } else if (r == null) {
            status = "400";
            text = "unknown ZAP domain";
            LOG.warn("refused a {} handshake from {}: ZAP domain '{}' is not registered", mechanism, address, domain);
        } else if (!"CURVE".equals(mechanism)) {
            status = "400";
            text = "CURVE required";
            r.refused.incrementAndGet();
            LOG.warn("refused {} from {}: mechanism {} (CURVE required)", r.role, address, mechanism);
        } else {
            String name = r.allowed.nameOf(key);
            if (name != null) {
                status = "200";
                text = "OK";
                user = name;
                r.accepted.incrementAndGet();
                LOG.debug("accepted {} key {} ({}) from {}", r.role, z85(key), name, address);
            } else {
                status = "400";
                text = "key not allowed";
                r.refused.incrementAndGet();
                LOG.warn("refused {} key {} from {}: not in {}", r.role, z85(key), address, r.allowed.describe());
            }
        }
        ZMsg reply = new ZMsg();
        reply.add("1.0");
        reply.add(requestId == null ? "" : requestId);
        reply.add(status);
        reply.add(text);
        reply.add(user.getBytes(StandardCharsets.UTF_8));
        reply.add(new byte[0]); // metadata
        return reply;
    }

    private static String z85(byte[] key) {
        return key != null && key.length == 32 ? ZMQ.Curve.z85Encode(key) : "(none)";
    }
}
