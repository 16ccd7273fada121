package io.zcl.runner.perftools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Puts the emulated perf tools (bash + awk scripts named like the real tools) into a folder, so
 * a simulated node can put that folder first on PATH and run the same argv a real node runs.
 * The scripts live on the classpath under {@code emulated-tools/}; a jar loses file modes, which
 * is why they are copied out and marked executable rather than run in place.
 */
public final class EmulatedTools {

    /** The real tools' names, which are also the scripts' names. */
    public static final List<String> TOOLS = List.of("all_reduce_perf", "ib_write_bw", "gpu_burn");

    private static final String RESOURCE_DIR = "/emulated-tools/";

    private EmulatedTools() {
    }

    /**
     * Copies every tool into {@code dir} (created if missing) and makes it executable. Idempotent
     * and safe to call from several simulated nodes at once: a file whose content is already right
     * is left alone, a changed one is replaced by an atomic rename, so a running tool never sees
     * a half-written script.
     *
     * @return {@code dir}, to put first on the node's PATH
     */
    public static Path install(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String tool : TOOLS) {
                byte[] script = script(tool);
                Path target = dir.resolve(tool);
                if (!Files.isRegularFile(target) || !Arrays.equals(Files.readAllBytes(target), script)) {
                    Path tmp = Files.createTempFile(dir, "." + tool, ".tmp");
                    Files.write(tmp, script);
                    makeExecutable(tmp);
                    try {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                if (!Files.isExecutable(target)) {
                    makeExecutable(target);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install emulated perf tools into " + dir, e);
        }
    }

    /** A PATH value with {@code dir} first, then the given PATH (null or empty: just dir). */
    public static String pathWith(Path dir, String path) {
        return path == null || path.isEmpty() ? dir.toString() : dir + java.io.File.pathSeparator + path;
    }

    /**
     * Finds a program on a PATH value the way execvp would. Needed because Java's ProcessBuilder
     * looks argv[0] up on the JVM's own PATH, not on the PATH in the child's environment, so
     * putting the tools folder on a command's PATH alone does not make "gpu_burn" resolve to it.
     *
     * @return the executable, or empty when no PATH entry has one (a name with a '/' is taken as is)
     */
    public static Optional<Path> which(String program, String path) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The script of one tool, as shipped on the classpath. */
    public static byte[] script(String tool) {
        if (!TOOLS.contains(tool)) {
            throw new IllegalArgumentException("no emulated tool '" + tool + "'; have " + TOOLS);
        }
        try (InputStream in = EmulatedTools.class.getResourceAsStream(RESOURCE_DIR + tool)) {
            if (in == null) {
                throw new IllegalStateException("emulated tool " + tool + " missing from the classpath at "
                        + RESOURCE_DIR + tool);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read emulated tool " + tool, e);
        }
    }

    private static void makeExecutable(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            if (!file.toFile().setExecutable(true, false)) {
                throw new IOException("cannot mark " + file + " executable", e);
            }
        }
    }
}
