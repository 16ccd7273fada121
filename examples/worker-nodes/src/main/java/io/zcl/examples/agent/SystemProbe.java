package io.zcl.examples.agent;

import io.zcl.runner.api.SystemConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What this machine has, for HELLO: the host name, GPUs from {@code nvidia-smi} when it is
 * installed, and InfiniBand/RoCE adapters from /sys/class/infiniband. A machine without either
 * reports none, which is the truth.
 */
final class SystemProbe {

    private SystemProbe() {
    }

    static SystemConfiguration probe() {
        return new SystemConfiguration(hostname(), gpus(), nics(Path.of("/sys/class/infiniband")), List.of());
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown");
        }
    }

    private static List<SystemConfiguration.Gpu> gpus() {
        List<SystemConfiguration.Gpu> gpus = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return gpus;
            }
            for (String line : out.split("\n")) {
                String[] f = line.split(",\\s*");
                if (f.length == 3) {
                    gpus.add(new SystemConfiguration.Gpu(Integer.parseInt(f[0].strip()), f[1].strip(),
                            (int) Math.round(Double.parseDouble(f[2].strip()) / 1024), 0, 0, 0));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return List.of(); // no nvidia-smi here: no GPUs to report
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return gpus;
    }

    /** Adapters with their port 1 rate, e.g. "400 Gb/sec (4X NDR)". */
    static List<SystemConfiguration.Nic> nics(Path sysClass) {
        List<SystemConfiguration.Nic> nics = new ArrayList<>();
        if (!Files.isDirectory(sysClass)) {
            return nics;
        }
        try (Stream<Path> devices = Files.list(sysClass)) {
            for (Path dev : devices.sorted().toList()) {
                double rate = 0;
                Path rateFile = dev.resolve("ports/1/rate");
                if (Files.isReadable(rateFile)) {
                    String text = Files.readString(rateFile).strip();
                    String number = text.split("\\s+")[0];
                    try {
                        rate = Double.parseDouble(number);
                    } catch (NumberFormatException ignored) {
                        rate = 0;
                    }
                }
                nics.add(new SystemConfiguration.Nic(dev.getFileName().toString(), rate, ""));
            }
        } catch (IOException e) {
            return List.of();
        }
        return nics;
    }
}
