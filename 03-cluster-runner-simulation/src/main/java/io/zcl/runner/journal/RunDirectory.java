package io.zcl.runner.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One run's folder, {@code runs/<timestamp>/}, with fixed file names so tools and people always
 * know where to look (Maelstrom's store/ layout), and {@code runs/latest} pointing at the newest.
 * The timestamp is UTC, like the journal's instants, e.g. {@code 20261128-153012}; a second run in
 * the same second gets {@code 20261128-153012-2}, which still sorts after the first.
 */
public final class RunDirectory {

    public static final String JOURNAL = "journal.jsonl";
    public static final String SUMMARY = "summary.md";
    public static final String BENCH = "bench.json";
    public static final String LATEST = "latest";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final int MAX_SAME_SECOND = 1000;

    private final Path dir;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    public static RunDirectory create(Path runsRoot) {
        return create(runsRoot, Clock.systemUTC());
    }

    /** Creates a fresh run folder under runsRoot (created if needed) and points latest at it. */
    public static RunDirectory create(Path runsRoot, Clock clock) {
        String stamp = STAMP.format(clock.instant());
        try {
            Files.createDirectories(runsRoot);
            for (int n = 1; n <= MAX_SAME_SECOND; n++) {
                Path candidate = runsRoot.resolve(n == 1 ? stamp : stamp + "-" + n);
                try {
                    // createDirectory is atomic, so two runners starting together never share a folder.
                    Files.createDirectory(candidate);
                } catch (FileAlreadyExistsException taken) {
                    continue;
                }
                RunDirectory run = new RunDirectory(candidate);
                run.markLatest(true);
                return run;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run folder under " + runsRoot + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(MAX_SAME_SECOND + " runs already started at " + stamp + " under " + runsRoot);
    }

    /** An existing run folder (for reports and --resume). */
    public static RunDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("not a run folder: " + dir);
        }
        return new RunDirectory(dir);
    }

    /** The run {@code runs/latest} points at, if any. */
    public static Optional<RunDirectory> latest(Path runsRoot) {
        Path link = runsRoot.resolve(LATEST);
        try {
            Path target;
            if (Files.isSymbolicLink(link)) {
                target = runsRoot.resolve(Files.readSymbolicLink(link));
            } else if (Files.isRegularFile(link)) {
                target = runsRoot.resolve(Files.readString(link).strip());
            } else {
                return Optional.empty();
            }
            return Files.isDirectory(target) ? Optional.of(new RunDirectory(target)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + link + ": " + e.getMessage(), e);
        }
    }

    /** The run id: the folder's name, also written in the journal's run header. */
    public String runId() {
        return dir.getFileName().toString();
    }

    public Path dir() {
        return dir;
    }

    public Path journal() {
        return dir.resolve(JOURNAL);
    }

    public Path summary() {
        return dir.resolve(SUMMARY);
    }

    public Path bench() {
        return dir.resolve(BENCH);
    }

    /** Another file of this run (e.g. an SVG); a plain name, not a path. */
    public Path file(String name) {
        Path resolved = dir.resolve(name);
        if (name.equals(".") || name.equals("..") || !Objects.equals(resolved.getParent(), dir)) {
            throw new IllegalArgumentException("not a plain file name: " + name);
        }
        return resolved;
    }

    /**
     * Points {@code latest} at this run: a relative symlink, replaced by an atomic rename so a
     * reader never sees it missing; where symlinks are not allowed (or trySymlink is false, for
     * tests), a text file holding the name.
     */
    void markLatest(boolean trySymlink) throws IOException {
        Path root = dir.getParent();
        Path link = root.resolve(LATEST);
        Path temp = root.resolve("." + LATEST + "-" + UUID.randomUUID());
        boolean linked = false;
        if (trySymlink) {
            try {
                Files.createSymbolicLink(temp, dir.getFileName());
                linked = true;
            } catch (UnsupportedOperationException | IOException | SecurityException noSymlinks) {
                Files.deleteIfExists(temp);
            }
        }
        if (!linked) {
            Files.writeString(temp, runId() + "\n");
        }
        try {
            Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
