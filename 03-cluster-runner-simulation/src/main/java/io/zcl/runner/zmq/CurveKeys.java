package io.zcl.runner.zmq;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.zeromq.ZCert;
import org.zeromq.ZMQ;

/**
 * A CURVE key pair (or only a public key), as ZeroMQ's certificate files hold them.
 *
 * <p>Files are JeroMQ {@link ZCert} files (the czmq format, ZPL text): {@code NAME.key} has the
 * public key and may be copied anywhere (written 0644); {@code NAME.key_secret} has both keys, is
 * written readable by its owner only (0600), and is refused when loaded if group or others may
 * read or write it.
 *
 * @param publicKey Z85 text, 40 characters
 * @param secretKey Z85 text, 40 characters, or null for a public key only
 */
public record CurveKeys(String publicKey, String secretKey) {

    /** File name suffix of a public certificate. */
    public static final String PUBLIC_SUFFIX = ".key";
    /** File name suffix of a secret certificate. */
    public static final String SECRET_SUFFIX = ".key_secret";

    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private static final Pattern Z85_KEY = Pattern.compile("[0-9a-zA-Z.\\-:+=^!/*?&<>()\\[\\]{}@%$#]{40}");
    private static final Pattern PUBLIC_LINE = Pattern.compile("^\\s*public-key\\s*=\\s*\"?([^\"\\s]+)\"?\\s*$",
            Pattern.MULTILINE);
    private static final Pattern SECRET_LINE = Pattern.compile("^\\s*secret-key\\s*=\\s*\"?([^\"\\s]+)\"?\\s*$",
            Pattern.MULTILINE);

    public CurveKeys {
        Objects.requireNonNull(publicKey, "publicKey");
        if (!Z85_KEY.matcher(publicKey).matches()) {
            throw new IllegalArgumentException("a CURVE public key is 40 Z85 characters");
        }
        if (secretKey != null && !Z85_KEY.matcher(secretKey).matches()) {
            throw new IllegalArgumentException("a CURVE secret key is 40 Z85 characters");
        }
    }

    /** A fresh key pair. */
    public static CurveKeys generate() {
        ZMQ.Curve.KeyPair pair = ZMQ.Curve.generateKeyPair();
        return new CurveKeys(pair.publicKey, pair.secretKey);
    }

    /**
     * Reads a secret certificate (NAME.key_secret): both keys must be there. Like OpenSSH with a
     * private key, refuses a file that group or others may read or write.
     */
    public static CurveKeys loadSecret(Path file) throws IOException {
        String text = read(file);
        String pub = field(PUBLIC_LINE, text, file, "public-key");
        Matcher m = SECRET_LINE.matcher(text);
        if (!m.find()) {
            throw new IOException(file + " has no secret-key: pass the NAME" + SECRET_SUFFIX
                    + " file that ./zcl keygen wrote, not the public NAME" + PUBLIC_SUFFIX);
        }
        checkPrivate(file);
        try {
            return new CurveKeys(pub, m.group(1));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the public key of a certificate file (public or secret). */
    public static CurveKeys loadPublic(Path file) throws IOException {
        try {
            return new CurveKeys(field(PUBLIC_LINE, read(file), file, "public-key"), null);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes DIR/NAME.key (public, mode 0644) and DIR/NAME.key_secret (secret, created 0600
     * before any byte is written). A DIR that does not exist is created with mode 0700; one that
     * exists and is writable by group or others is refused (anyone could swap the keys in it).
     * Modes are set explicitly, so the umask does not matter. Refuses to overwrite an existing
     * secret file.
     *
     * @return the secret file
     */
    public Path save(Path dir, String name) throws IOException {
        if (secretKey == null) {
            throw new IllegalStateException("no secret key to save");
        }
        if (!name.matches("[A-Za-z0-9._-]+(\\+[A-Za-z0-9._-]+)?")) {
            throw new IllegalArgumentException("key name may use letters, digits, '.', '_' and '-', and one '+' before a label (node-1+2026), got '" + name + "'");
        }
        boolean posix = prepareDir(dir);
        Path secret = dir.resolve(name + SECRET_SUFFIX);
        Path pub = dir.resolve(name + PUBLIC_SUFFIX);
        ZCert cert = new ZCert(publicKey, secretKey);
        cert.setMeta("name", name);
        cert.setMeta("created-by", "zcl keygen");
        try {
            if (posix) {
                Files.createFile(secret, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
                Files.setPosixFilePermissions(secret, OWNER_ONLY_FILE); // a umask such as 0277 took some away
            } else {
                Files.createFile(secret);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IOException(secret + " exists already; remove it first (rotation: use a new name)", e);
        }
        try (Writer w = Files.newBufferedWriter(secret, StandardCharsets.UTF_8)) {
            cert.saveSecret(w);
        }
        try (Writer w = Files.newBufferedWriter(pub, StandardCharsets.UTF_8)) {
            cert.savePublic(w);
        }
        if (posix) {
            Files.setPosixFilePermissions(pub, PUBLIC_FILE);
        }
        return secret;
    }

    /** Creates DIR 0700 when missing; refuses an existing DIR writable by group or others. True on POSIX. */
    private static boolean prepareDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                return false;
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
            if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IOException("key folder " + dir + " has mode " + octal(mode) + ": group or others could "
                        + "replace the keys in it; run chmod go-w " + dir + " (or chmod 700), or pick a new folder");
            }
            return true;
        }
        Files.createDirectories(dir);
        if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            return false;
        }
        Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        return true;
    }

    /** Refuses a secret key file that group or others may read or write (OpenSSH's rule for private keys). */
    private static void checkPrivate(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        for (PosixFilePermission p : mode) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
                    && p != PosixFilePermission.OWNER_EXECUTE) {
                throw new IOException("secret key file " + file + " has mode " + octal(mode)
                        + ", readable or writable by group or others: run chmod 600 " + file);
            }
        }
    }

    /** The mode as chmod writes it, e.g. 0644. */
    static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("0%03o", bits);
    }

    public byte[] publicKeyBytes() {
        return ZMQ.Curve.z85Decode(publicKey);
    }

    public byte[] secretKeyBytes() {
        if (secretKey == null) {
            throw new IllegalStateException("this is a public key only");
        }
        return ZMQ.Curve.z85Decode(secretKey);
    }

    /** Only the public half. */
    public CurveKeys publicOnly() {
        return new CurveKeys(publicKey, null);
    }

    /** Never prints the secret key. */
    @Override
    public String toString() {
        return "CurveKeys[public=" + publicKey + (secretKey != null ? ", secret=<hidden>]" : "]");
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such key file");
        }
        if (Files.size(file) > 64 * 1024) {
            throw new IOException(file + ": too large for a key file");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static String field(Pattern p, String text, Path file, String what) throws IOException {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IOException(file + " has no " + what + " (not a ZeroMQ certificate file?)");
        }
        return m.group(1);
    }
}
