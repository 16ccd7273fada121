package io.zcl.runner.ssh;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;

/**
 * Key files for a simulated cluster: a user key written as OpenSSH writes it (private key file,
 * {@code .pub}, authorized_keys line) and known_hosts lines. ECDSA P-256, because the JDK
 * implements it (MINA's Ed25519 needs an extra provider) and OpenSSH accepts it everywhere.
 */
public final class SshKeys {

    /** The key type written: "ecdsa-sha2-nistp256". */
    public static final String KEY_TYPE = "ecdsa-sha2-nistp256";

    private SshKeys() {
    }

    /** A fresh key pair. */
    public static KeyPair generate() {
        try {
            return KeyUtils.generateKeyPair(KEY_TYPE, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate " + KEY_TYPE + " keys", e);
        }
    }

    /**
     * Generates a key pair and writes it as {@code file} (OpenSSH private key, mode 600) and
     * {@code file.pub}, as ssh-keygen would.
     */
    public static KeyPair generateKeyFile(Path file, String comment) {
        KeyPair pair = generate();
        writePrivateKey(pair, comment, file);
        try {
            Files.writeString(file.resolveSibling(file.getFileName() + ".pub"), publicKeyLine(pair.getPublic(), comment) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ".pub", e);
        }
        return pair;
    }

    /** Writes the private key in OpenSSH's format, readable only by its owner (ssh refuses others). */
    public static void writePrivateKey(KeyPair pair, String comment, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, out);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new UncheckedIOException("cannot write private key " + file,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** "ecdsa-sha2-nistp256 AAAA... comment": one authorized_keys or .pub line. */
    public static String publicKeyLine(PublicKey key, String comment) {
        String entry = PublicKeyEntry.toString(key);
        return comment == null || comment.isBlank() ? entry : entry + " " + comment;
    }

    /** A known_hosts line for a host key, "[host]:port key" (plain "host key" on port 22). */
    public static String knownHostsLine(String host, int port, PublicKey hostKey) {
        String pattern = port == 22 ? host : "[" + host + "]:" + port;
        return pattern + " " + PublicKeyEntry.toString(hostKey);
    }
}
