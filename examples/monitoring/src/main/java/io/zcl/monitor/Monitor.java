package io.zcl.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zcl.runner.events.EventSubscriber;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZMQ;

/**
 * The monitor: follows a coordinator's event stream ({@link EventSubscriber}) and serves what it
 * knows over HTTP with the JDK's own server: the dashboard (static HTML/JS/CSS from the jar),
 * {@code /events} (Server-Sent Events, the whole state on every change), {@code /api/state}
 * (the same JSON once), {@code /metrics} (Prometheus text format) and {@code /bench/} (the SVG
 * charts of the latest bench, when a bench folder is given and holds any).
 */
public final class Monitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

    /** How often SSE clients get the state when it changed, and at the most between two sends. */
    static final long PUSH_MS = 250;
    static final long PUSH_IDLE_MS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Shortest --http-token accepted: 16 characters (openssl rand -hex 16 gives 32). */
    public static final int MIN_TOKEN_LENGTH = 16;

    private static final String TOKEN_COOKIE = "zcl_monitor_token";

    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/app.js", "app.js",
            "/style.css", "style.css");

    private final EventSubscriber subscriber;
    private final InetSocketAddress httpAddress;
    private final Path benchDir;
    private final byte[] httpToken;
    private final List<OutputStream> sseClients = new CopyOnWriteArrayList<>();
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong httpRequests = new AtomicLong();
    private HttpServer server;
    private ExecutorService httpThreads;
    private Thread pusher;
    private volatile boolean running = true;

    /**
     * @param events      the publisher's endpoint, e.g. tcp://127.0.0.1:5560
     * @param http        where to serve HTTP (port 0: any free port), or null for no HTTP
     * @param benchDir    a bench output folder (bench.json, *.svg), or null
     * @param socketSetup applied to the SUB socket before it connects (CURVE client keys)
     */
    public Monitor(String events, InetSocketAddress http, Path benchDir, Consumer<ZMQ.Socket> socketSetup) {
        this(events, http, benchDir, socketSetup, null);
    }

    /**
     * @param httpToken when not null, every HTTP request must carry it ({@code Authorization:
     *                  Bearer TOKEN}, {@code ?token=TOKEN}, or the cookie a {@code ?token=} request
     *                  sets for the browser page); required when {@code http} is not a loopback
     *                  address, since the dashboard shows every node, command and result
     * @throws IllegalArgumentException for a non-loopback HTTP address without a token, or a token
     *                                  shorter than {@link #MIN_TOKEN_LENGTH}
     */
    public Monitor(String events, InetSocketAddress http, Path benchDir, Consumer<ZMQ.Socket> socketSetup,
                   String httpToken) {
        if (http != null && httpToken == null && !isLoopback(http)) {
            throw new IllegalArgumentException("the dashboard's address " + hostPort(http) + " is not loopback, and "
                    + "the dashboard has no other protection: off loopback it needs a token (zcl monitor --http-token "
                    + "TOKEN or --http-token-file FILE), which every request must then carry; or serve it on "
                    + "127.0.0.1 and reach it through an SSH tunnel");
        }
        if (httpToken != null && httpToken.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("--http-token must be at least " + MIN_TOKEN_LENGTH
                    + " characters (e.g. openssl rand -hex 16)");
        }
        if (httpToken != null && !httpToken.matches("[A-Za-z0-9._~-]+")) {
            // URL-safe as it is, so ?token= and the cookie need no escaping
            throw new IllegalArgumentException("--http-token may use letters, digits, '.', '_', '~' and '-' only");
        }
        this.subscriber = new EventSubscriber(events, socketSetup, (state, event) -> changes.incrementAndGet());
        this.httpAddress = http;
        this.benchDir = benchDir;
        this.httpToken = httpToken == null ? null : httpToken.getBytes(StandardCharsets.US_ASCII);
    }

    /** True for 127.x, ::1 and names resolving to them; false for a wildcard or unresolved address. */
    static boolean isLoopback(InetSocketAddress a) {
        return a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

    private static String hostPort(InetSocketAddress a) {
        return (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString()) + ":" + a.getPort();
    }

    public Monitor start() {
        subscriber.start();
        if (httpAddress == null) {
            return this;
        }
        try {
            server = HttpServer.create(httpAddress, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve HTTP on " + httpAddress + ": " + e.getMessage(), e);
        }
        httpThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "monitor-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(httpThreads);
        server.createContext("/", this::handle);
        server.start();
        pusher = new Thread(this::push, "monitor-sse");
        pusher.setDaemon(true);
        pusher.start();
        return this;
    }

    /**
     * The address the dashboard is bound to, e.g. http://127.0.0.1:8080/, or http://0.0.0.0:8080/
     * when it listens on every interface (null without HTTP).
     */
    public String url() {
        if (server == null) {
            return null;
        }
        InetSocketAddress a = server.getAddress();
        // A wildcard comes back as the dual-stack [::]: say the wildcard that was asked for (0.0.0.0 or [::])
        String host = (a.getAddress().isAnyLocalAddress() ? httpAddress.getAddress() : a.getAddress()).getHostAddress();
        if (host.contains(":")) {
            host = "[" + host.replaceFirst("%.*", "") + "]";
        }
        return "http://" + host + ":" + a.getPort() + "/";
    }

    /** True when every HTTP request must carry the token. */
    public boolean tokenRequired() {
        return httpToken != null;
    }

    public EventSubscriber subscriber() {
        return subscriber;
    }

    /** The state as the dashboard gets it: the folded events plus what this monitor knows. */
    public ObjectNode stateJson() {
        ObjectNode o = subscriber.state().toJson();
        ObjectNode m = o.putObject("monitor");
        m.put("events", subscriber.endpoint());
        m.put("connected", subscriber.connected());
        m.put("snapshots", subscriber.snapshots());
        m.put("gaps", subscriber.gaps());
        m.put("now", System.currentTimeMillis());
        benchCharts().forEach(m.putArray("bench_charts")::add);
        return o;
    }

    /** The bench folder's SVG charts, by file name. */
    List<String> benchCharts() {
        if (benchDir == null || !Files.isDirectory(benchDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(benchDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".svg")).sorted().toList();
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", benchDir, e.getMessage());
            return List.of();
        }
    }

    public String metrics() {
        return PrometheusText.render(stateJson());
    }

    private void handle(HttpExchange ex) throws IOException {
        httpRequests.incrementAndGet();
        try (ex) {
            if (httpToken != null && !authorized(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"zcl monitor\"");
                send(ex, 401, "text/plain; charset=utf-8", ("this dashboard needs its token: header 'Authorization: "
                        + "Bearer TOKEN', or open /?token=TOKEN in the browser\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, "text/plain; charset=utf-8", "only GET\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (STATIC.containsKey(path)) {
                String name = STATIC.get(path);
                try (InputStream in = Monitor.class.getResourceAsStream("web/" + name)) {
                    if (in == null) {
                        send(ex, 500, "text/plain; charset=utf-8", ("missing resource " + name + "\n").getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    send(ex, 200, contentType(name), in.readAllBytes());
                }
            } else if (path.equals("/api/state")) {
                send(ex, 200, "application/json", JSON.writeValueAsBytes(stateJson()));
            } else if (path.equals("/metrics")) {
                send(ex, 200, PrometheusText.CONTENT_TYPE, metrics().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/events")) {
                sse(ex);
            } else if (path.startsWith("/bench/") && benchCharts().contains(path.substring("/bench/".length()))) {
                send(ex, 200, "image/svg+xml", Files.readAllBytes(benchDir.resolve(path.substring("/bench/".length()))));
            } else {
                send(ex, 404, "text/plain; charset=utf-8", ("not found: " + path + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            LOG.debug("HTTP client went away: {}", e.getMessage());
        }
    }

    /**
     * The token from the Authorization header, the query (which also sets a cookie, so the page's
     * own requests for scripts, /api/state and /events carry it), or that cookie. Compared in
     * constant time.
     */
    private boolean authorized(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && matches(auth.substring(7).strip())) {
            return true;
        }
        String query = ex.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=") && matches(URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8))) {
                    ex.getResponseHeaders().add("Set-Cookie", TOKEN_COOKIE + "="
                            + new String(httpToken, StandardCharsets.US_ASCII)
                            + "; Path=/; HttpOnly; SameSite=Strict");
                    return true;
                }
            }
        }
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String cookie : header.split(";")) {
                String c = cookie.strip();
                if (c.startsWith(TOKEN_COOKIE + "=")
                        && matches(c.substring(TOKEN_COOKIE.length() + 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean matches(String presented) {
        return MessageDigest.isEqual(httpToken, presented.getBytes(StandardCharsets.US_ASCII));
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return "text/css; charset=utf-8";
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Holds the exchange open: the pusher writes to it until the client goes away or we stop. */
    private void sse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        synchronized (out) {
            out.write(("retry: 1000\n" + event()).getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        sseClients.add(out);
        while (running && sseClients.contains(out)) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sseClients.remove(out);
    }

    private String event() throws IOException {
        return "event: state\ndata: " + JSON.writeValueAsString(stateJson()) + "\n\n";
    }

    private void push() {
        long seen = -1;
        long lastSent = 0;
        while (running) {
            try {
                Thread.sleep(PUSH_MS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.currentTimeMillis();
            long c = changes.get();
            if (sseClients.isEmpty() || (c == seen && now - lastSent < PUSH_IDLE_MS)) {
                continue;
            }
            seen = c;
            lastSent = now;
            byte[] data;
            try {
                data = event().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                LOG.warn("cannot encode the state: {}", e.getMessage());
                continue;
            }
            for (OutputStream out : new ArrayList<>(sseClients)) {
                try {
                    synchronized (out) {
                        out.write(data);
                        out.flush();
                    }
                } catch (IOException e) {
                    sseClients.remove(out);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (pusher != null) {
            pusher.interrupt();
        }
        sseClients.clear();
        if (server != null) {
            server.stop(0);
            httpThreads.shutdownNow();
            try {
                httpThreads.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        subscriber.close();
    }
}
