package io.zcl.runner.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds argv[0] on the child's PATH. Needed because the JDK looks a bare program name up on the
 * JVM's own PATH, not on the PATH given to the child, so a PATH prefix pointing at emulated tools
 * would otherwise be ignored.
 */
final class ExecutableLookup {

    private ExecutableLookup() {
    }

    /** The program itself when it names a path (has a '/'), else the first executable match on path. */
    static Optional<String> find(String program, String path) {
        if (program.contains("/")) {
            return Optional.of(program);
        }
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            try {
                Path candidate = Path.of(dir, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toString());
                }
            } catch (InvalidPathException ignored) {
                // A malformed PATH entry cannot hold the program; try the next one.
            }
        }
        return Optional.empty();
    }
}
