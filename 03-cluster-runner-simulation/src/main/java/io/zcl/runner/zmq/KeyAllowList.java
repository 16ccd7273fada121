package io.zcl.runner.zmq;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZMQ;

/**
 * The public keys allowed to connect: either a folder of public certificate files (one per
 * agent or monitor, as {@code ./zcl keygen} writes them) or a fixed set (in-process runs).
 *
 * <p>A folder is looked at again whenever a peer's key is checked (only during a CURVE handshake,
 * so not per message): when a file was added, removed or changed since the last look, the keys
 * are read again. Rotation therefore needs no restart: copy the new public key in, restart the
 * agent with its new secret, delete the old public key. ZAP asks only when a connection is made;
 * the coordinator checks its live agents' keys with {@link #allowsName} once a second and ends the
 * session of a removed one. (Monitors' live event-stream connections are not cut.)
 *
 * <p>Thread-safe: the ZAP handler thread calls {@link #allows}.
 */
public final class KeyAllowList {

    private static final Logger LOG = LoggerFactory.getLogger(KeyAllowList.class);

    private final Path folder;
    private Map<String, String> keys; // Z85 public key -> name (file name without .key)
    private Map<Path, List<Long>> fingerprint = Map.of();

    private KeyAllowList(Path folder, Map<String, String> keys) {
        this.folder = folder;
        this.keys = keys;
    }

    /** The keys in the public certificate files in a folder (sub-folders are not read). */
    public static KeyAllowList folder(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + " is not a folder of public keys");
        }
        KeyAllowList list = new KeyAllowList(folder.toAbsolutePath(), Map.of());
        list.reloadIfChanged();
        if (list.size() == 0) {
            LOG.warn("no public keys in {}: every peer will be refused until one is added", folder);
        }
        return list;
    }

    /** A fixed set of public keys (in-process simulations, tests). */
    public static KeyAllowList of(Collection<CurveKeys> allowed) {
        Map<String, String> keys = new HashMap<>();
        int i = 0;
        for (CurveKeys k : allowed) {
            keys.put(k.publicKey(), "key-" + i++);
        }
        return new KeyAllowList(null, Map.copyOf(keys));
    }

    /** A fixed set of public keys, each allowed under its name (for agents: the node id it may act as). */
    public static KeyAllowList named(Map<String, CurveKeys> allowed) {
        Map<String, String> keys = new HashMap<>();
        allowed.forEach((name, k) -> keys.put(k.publicKey(), name));
        return new KeyAllowList(null, Map.copyOf(keys));
    }

    /** Whether this 32-byte public key may connect; re-reads the folder if it changed. */
    public synchronized boolean allows(byte[] publicKey) {
        return nameOf(publicKey) != null;
    }

    /** The name (file name without .key) the key is allowed under, or null. */
    public synchronized String nameOf(byte[] publicKey) {
        if (publicKey == null || publicKey.length != 32) {
            return null;
        }
        refresh();
        return keys.get(ZMQ.Curve.z85Encode(publicKey));
    }

    /**
     * Whether some key is still allowed under {@code name}; re-reads the folder if it changed. ZAP
     * asks only when a connection is made: this is how a live session learns its key was removed.
     */
    public synchronized boolean allowsName(String name) {
        return name != null && names().contains(name);
    }

    /** The names keys are allowed under now (re-reads the folder if it changed): one look for many sessions. */
    public synchronized Set<String> names() {
        refresh();
        return Set.copyOf(keys.values());
    }

    private void refresh() {
        if (folder == null) {
            return;
        }
        try {
            reloadIfChanged();
        } catch (IOException e) {
            // Fail closed with what was read last; a vanished folder empties the list.
            LOG.error("cannot read the key folder {}: {}", folder, e.toString());
            if (!Files.isDirectory(folder)) {
                keys = Map.of();
                fingerprint = Map.of();
            }
        }
    }

    public synchronized int size() {
        return keys.size();
    }

    /** For log lines: where the keys come from. */
    public String describe() {
        return folder != null ? "the allow-list folder " + folder : "the in-memory allow-list";
    }

    private void reloadIfChanged() throws IOException {
        Map<Path, List<Long>> now = new HashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")) {
                    now.put(f, List.of(Files.getLastModifiedTime(f).toMillis(), Files.size(f)));
                }
            }
        }
        if (now.equals(fingerprint)) {
            return;
        }
        Map<String, String> read = new HashMap<>();
        Set<String> skipped = new HashSet<>();
        for (Path f : now.keySet()) {
            String file = f.getFileName().toString();
            if (file.endsWith(CurveKeys.SECRET_SUFFIX)) {
                LOG.warn("{} is a secret key file: it does not belong in the allow-list folder {} (skipped; "
                        + "copy the matching .key file instead)", file, folder);
                skipped.add(file);
                continue;
            }
            try {
                String name = file.endsWith(CurveKeys.PUBLIC_SUFFIX)
                        ? file.substring(0, file.length() - CurveKeys.PUBLIC_SUFFIX.length()) : file;
                read.put(CurveKeys.loadPublic(f).publicKey(), name);
            } catch (IOException e) {
                LOG.warn("skipping {} in the allow-list folder: {}", file, e.getMessage());
                skipped.add(file);
            }
        }
        if (!fingerprint.isEmpty()) {
            LOG.info("allow-list folder {} changed: {} keys now", folder, read.size());
        }
        keys = Map.copyOf(read);
        fingerprint = now;
    }
}
