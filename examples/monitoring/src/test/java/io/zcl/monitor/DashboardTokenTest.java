package io.zcl.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 15, item 2: the dashboard is not served off loopback without a token; with one, every
 * request must carry it; the address printed is the one bound. No publisher is needed: the
 * monitor's HTTP side answers whether or not an event stream is there.
 */
class DashboardTokenTest {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final String NOBODY = "tcp://127.0.0.1:1";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @Test
    void offLoopbackWithoutATokenTheDashboardIsRefused() {
        StringWriter err = new StringWriter();
        CommandLine cl = command(new StringWriter(), err);
        assertThat(cl.execute("--events", NOBODY, "--insecure", "--http", "0.0.0.0:0")).isEqualTo(1);
        assertThat(err.toString()).contains("zcl monitor: the dashboard's address 0.0.0.0:0 is not loopback, and "
                + "the dashboard has no other protection: off loopback it needs a token (zcl monitor --http-token "
                + "TOKEN or --http-token-file FILE)");

        assertThatThrownBy(() -> new Monitor(NOBODY, new InetSocketAddress("0.0.0.0", 0), null, s -> { }))
                .hasMessageContaining("is not loopback");
        assertThatThrownBy(() -> new Monitor(NOBODY, new InetSocketAddress("0.0.0.0", 0), null, s -> { }, "short"))
                .hasMessage("--http-token must be at least 16 characters (e.g. openssl rand -hex 16)");
    }

    @Test
    void withATokenEveryRequestMustCarryItAndThePrintedAddressIsTheBoundOne() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread monitor = new Thread(() -> exit.set(command(out, err).execute("--events", NOBODY, "--insecure",
                "--http", "0.0.0.0:0", "--http-token", TOKEN)), "dashboard-token-test");
        monitor.start();
        try {
            Pattern printed = Pattern.compile("dashboard: http://([^/]+):(\\d+)/ ");
            await().atMost(Duration.ofSeconds(30)).until(() -> printed.matcher(out.toString()).find());
            Matcher m = printed.matcher(out.toString());
            assertThat(m.find()).isTrue();
            assertThat(m.group(1)).as("the wildcard it is bound to, not 127.0.0.1").isEqualTo("0.0.0.0");
            assertThat(out.toString()).contains("every request needs the token");
            String base = "http://127.0.0.1:" + m.group(2);

            for (String path : new String[] {"/", "/api/state", "/metrics", "/app.js", "/events"}) {
                assertThat(get(base + path, null).statusCode()).as(path).isEqualTo(401);
            }
            assertThat(get(base + "/metrics", "Bearer wrong-token-wrong-token").statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics?token=" + TOKEN.substring(1), null).statusCode()).isEqualTo(401);

            HttpResponse<String> metrics = get(base + "/metrics", "Bearer " + TOKEN);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("# TYPE");
            assertThat(get(base + "/api/state", "Bearer " + TOKEN).statusCode()).isEqualTo(200);

            HttpResponse<String> page = get(base + "/?token=" + TOKEN, null);
            assertThat(page.statusCode()).isEqualTo(200);
            String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            HttpResponse<String> script = http.send(HttpRequest.newBuilder(URI.create(base + "/app.js"))
                    .header("Cookie", cookie).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(script.statusCode()).as("the page's own requests carry the cookie").isEqualTo(200);
        } finally {
            monitor.interrupt(); // ends the command's sleep; it closes the monitor
            monitor.join(30_000);
        }
        assertThat(monitor.isAlive()).isFalse();
    }

    @Test
    void onLoopbackTheUrlIsTheBoundAddressAndATokenIsStillEnforced() throws Exception {
        try (Monitor m = new Monitor(NOBODY, new InetSocketAddress("127.0.0.1", 0), null, s -> { }, TOKEN).start()) {
            assertThat(m.url()).matches("http://127\\.0\\.0\\.1:\\d+/");
            assertThat(get(m.url() + "api/state", null).statusCode()).isEqualTo(401);
            assertThat(get(m.url() + "api/state", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static CommandLine command(StringWriter out, StringWriter err) {
        CommandLine cl = new CommandLine(new MonitorCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("zcl monitor: " + ex.getMessage());
            return 1;
        });
        return cl;
    }
}
