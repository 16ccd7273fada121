package io.zcl.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.journal.RunDirectory;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.sim.InProcessAgents;
import io.zcl.runner.sim.TempDirs;
import io.zcl.runner.zmq.ZmqCoordinator;
import io.zcl.runner.zmq.ZmqOperationalContext;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium (Debian's chromium and chromium-driver, never downloaded) opens the dashboard
 * while a simulated run goes on: node cells and results appear, a node whose agent process is
 * killed turns "lost", failed results show their reason, the run ends. Saves a screenshot to
 * target/screenshots/dashboard.png.
 */
@Tag("browser")
@Tag("slow")
class DashboardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final int HEARTBEAT_MS = 1000;
    static final double TIME_SCALE = 0.004;

    @Test
    void theDashboardFollowsASimulatedRunAndShowsAKilledNodeAsLost(@TempDir Path tmp) throws Exception {
        Requirements.program(CHROMIUM, "apt-get install chromium chromium-driver");
        Requirements.program(CHROMEDRIVER, "apt-get install chromium-driver");

        ClusterDescriptor cluster = ClusterDescriptor.simulated(8, 2);
        String victim = "node-8";
        // node-1..7 run in this JVM; node-8 runs in a process of its own, so it can crash for real.
        List<NodeDescriptor> local = cluster.nodes().stream().filter(n -> !n.id().equals(victim)).toList();
        Map<String, SystemConfiguration> localSystems = new LinkedHashMap<>();
        local.forEach(n -> localSystems.put(n.id(), cluster.system(n.id())));
        ClusterDescriptor inProcess = new ClusterDescriptor(cluster.name(), local, localSystems);

        Path tools = EmulatedTools.install(TempDirs.create("zcl-browser-tools-", "emulated tools"));
        RunDirectory run = RunDirectory.create(tmp.resolve("runs"));
        Process child = null;
        Path childTools = null;
        WebDriver browser = null;
        try (EventPublisher events = new EventPublisher("tcp://127.0.0.1:*")) {
            events.start();
            events.cluster(cluster);
            ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", HEARTBEAT_MS, 3, 3000))
                    .restrictToNodes(Set.copyOf(cluster.nodeIds()));
            events.attach(coordinator);
            JournalWriter journal = events.observe(JsonlJournalWriter.open(run.journal()));
            try (ZmqOperationalContext ctx = new ZmqOperationalContext(cluster, coordinator, journal);
                 Monitor monitor = new Monitor(events.endpoint(), new InetSocketAddress("127.0.0.1", 0),
                         Path.of("../../docs/bench"), s -> { }).start()) {
                String endpoint = coordinator.start();
                try (InProcessAgents agents = new InProcessAgents(inProcess, endpoint,
                        new InProcessAgents.NodeSetup(tools, Map.of(), TIME_SCALE, 0), HEARTBEAT_MS, 3)) {
                    child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-Xmx128m", "-cp", System.getProperty("java.class.path"), ChildAgent.class.getName(),
                            endpoint, victim, cluster.node(victim).leaf(), Integer.toString(HEARTBEAT_MS), Double.toString(TIME_SCALE))
                            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    childTools = readToolsLine(child);
                    assertThat(coordinator.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(30))).isEmpty();

                    browser = chromium(tmp.resolve("chromium-profile"));
                    browser.get(monitor.url());
                    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(100));

                    // Every node appears, grouped by leaf, up. (The page redraws on every update, so
                    // it is read through scripts that look and read in one go, not stale element handles.)
                    WebDriver page = browser;
                    wait.until(d -> count(page, "#nodes .node[data-state='up']") == 8);
                    assertThat(count(page, "#nodes .leaf")).isEqualTo(2);
                    assertThat(attrs(page, ".leaf[data-leaf='leaf-2'] .node", "data-node"))
                            .containsExactly("node-5", "node-6", "node-7", "node-8");

                    PlanRunner.Options options = new PlanRunner.Options(run.runId(), Duration.ofSeconds(15), Map.of("test", "browser"),
                            Set.of(), events, 64);
                    CompletableFuture<PlanRunner.Result> result = CompletableFuture.supplyAsync(() -> {
                        try {
                            return PlanRunner.run(ctx, Plan.defaults(), options);
                        } finally {
                            events.runFinished();
                        }
                    });

                    // Nodes get busy and results come in.
                    wait.until(d -> count(page, "#nodes .node[data-state='busy']") > 0);
                    wait.until(d -> count(page, "#results tbody tr") > 0);
                    assertThat(result).isNotDone();

                    // The node crashes (SIGKILL, no BYE): the coordinator hears nothing, the cell turns lost.
                    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    String victimCell = ".node[data-node='" + victim + "']";
                    wait.until(d -> attrs(page, victimCell, "data-state").equals(List.of("lost")));
                    assertThat(attrs(page, victimCell, "title")).singleElement().asString().contains("silent for");

                    // The run ends; the groups that needed the lost node failed, with the reason shown.
                    PlanRunner.Result done = result.get(120, TimeUnit.SECONDS);
                    new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> texts(page, "#bar-text").toString().contains("finished"));
                    assertThat(count(page, "#results tbody tr")).isEqualTo(Math.min(60, done.results().size()));
                    List<String> failedReasons = texts(page, "#results tbody tr.error td.reason, #results tbody tr.fail td.reason");
                    assertThat(failedReasons).isNotEmpty().allSatisfy(r -> assertThat(r).isNotBlank());
                    assertThat(texts(page, "#results tbody tr.error, #results tbody tr.fail")).anySatisfy(tr -> assertThat(tr).contains(victim));
                    assertThat(count(page, ".heatmap td.cell:not(.empty)")).isPositive();
                    assertThat(texts(page, "#conn")).containsExactly("live");

                    Path shot = Path.of("target", "screenshots", "dashboard.png");
                    Files.createDirectories(shot.getParent());
                    File png = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
                    Files.copy(png.toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
                    assertThat(Files.size(shot)).isGreaterThan(10_000);
                }
            }
        } finally {
            if (browser != null) {
                browser.quit();
            }
            if (child != null) {
                child.destroyForcibly();
            }
            if (childTools != null) {
                TempDirs.deleteTree(childTools);
            }
            TempDirs.deleteTree(tools);
        }
    }

    private static long count(WebDriver page, String selector) {
        return (Long) ((JavascriptExecutor) page).executeScript("return document.querySelectorAll(arguments[0]).length;", selector);
    }

    @SuppressWarnings("unchecked")
    private static List<String> attrs(WebDriver page, String selector, String attribute) {
        return (List<String>) ((JavascriptExecutor) page).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]));", selector, attribute);
    }

    @SuppressWarnings("unchecked")
    private static List<String> texts(WebDriver page, String selector) {
        return (List<String>) ((JavascriptExecutor) page).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText);", selector);
    }

    private static Path readToolsLine(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Path tools = null;
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("TOOLS ")) {
                tools = Path.of(line.substring(6));
            }
            if (line.startsWith("AGENT ")) {
                return tools;
            }
        }
        throw new IllegalStateException("the child agent exited before it started (exit " + child.waitFor() + ")");
    }

    /** Debian's chromium through Debian's chromedriver; nothing is downloaded (no Selenium Manager). */
    static WebDriver chromium(Path profile) throws Exception {
        Files.createDirectories(profile);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1400,1800");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
