package io.zcl.runner.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch folders of simulated nodes and benchmarks: made with a clear error, removed quietly. */
public final class TempDirs {

    private TempDirs() {
    }

    public static Path create(String prefix, String purpose) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for " + purpose + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a folder and everything in it; a leftover temp folder is harmless, so errors are ignored. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // nothing useful to do: the OS cleans its temp folder
        }
    }
}
