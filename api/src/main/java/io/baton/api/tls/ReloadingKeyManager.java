package io.baton.api.tls;

import io.baton.api.WatchedFile;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS identity (certificate chain and private key, two PEM files) that follows its files: when
 * either changes, the next handshake uses the new pair, once the two match. Certificate and key
 * are rarely replaced in one atomic step, so a certificate that does not match the key beside it
 * (half-way through a rotation, or a mistake) leaves the previous pair in use and says so.
 *
 * <p>The key manager API asks for an alias first and the key and chain later: every identity read
 * gets a new alias, and the previous one stays answerable, so a handshake that straddles a reload
 * still gets a key and a chain that belong together. Threads: any.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);

    /** A matching pair, under the alias handshakes name it by. */
    private record Identity(String alias, X509Certificate[] chain, PrivateKey key) {
    }

    private final WatchedFile<X509Certificate[]> chainFile;
    private final WatchedFile<PrivateKey> keyFile;
    private volatile Identity current;
    private volatile Identity previous;
    private int generation;
    private boolean mismatchReported;

    private ReloadingKeyManager(WatchedFile<X509Certificate[]> chainFile, WatchedFile<PrivateKey> keyFile) {
        this.chainFile = chainFile;
        this.keyFile = keyFile;
    }

    /**
     * Reads {@code certificateChain} (PEM, leaf first) and {@code privateKey} (PEM, PKCS#8) now.
     *
     * @throws java.io.UncheckedIOException if either is missing or unreadable, or they do not match
     */
    public static ReloadingKeyManager load(Path certificateChain, Path privateKey) {
        ReloadingKeyManager m = new ReloadingKeyManager(WatchedFile.load(certificateChain, Pem::certificates, logging()),
                WatchedFile.load(privateKey, Pem::privateKey, logging()));
        X509Certificate[] chain = m.chainFile.get();
        PrivateKey key = m.keyFile.get();
        if (!matches(chain, key)) {
            throw new java.io.UncheckedIOException(new IOException(
                    "the certificate in " + certificateChain + " does not belong to the key in " + privateKey));
        }
        m.current = m.identity(chain, key);
        return m;
    }

    private static <T> WatchedFile.Listener<T> logging() {
        return new WatchedFile.Listener<>() {
            @Override
            public void reloaded(Path file, T value) {
                log.info("re-read TLS file {}", file);
            }

            @Override
            public void failed(Path file, IOException e) {
                log.error("cannot re-read TLS file {} (the previous certificate stays in use): {}", file, e.getMessage());
            }
        };
    }

    private Identity identity(X509Certificate[] chain, PrivateKey key) {
        return new Identity("baton-" + (++generation), chain, key);
    }

    /** The identity handshakes use now, re-read if its files changed. */
    private Identity fresh() {
        X509Certificate[] chain = chainFile.get();
        PrivateKey key = keyFile.get();
        Identity id = current;
        if (chain == id.chain() && key == id.key()) {
            return id;
        }
        synchronized (this) {
            id = current;
            if (chain == id.chain() && key == id.key()) {
                return id;
            }
            if (!matches(chain, key)) {
                if (!mismatchReported) {
                    mismatchReported = true;
                    log.error("the TLS certificate and key on disk do not match; the previous pair stays in use");
                }
                return id;
            }
            mismatchReported = false;
            previous = id;
            current = identity(chain, key);
            log.info("TLS certificate {} in use, valid until {}", current.chain()[0].getSubjectX500Principal(),
                    current.chain()[0].getNotAfter().toInstant());
            return current;
        }
    }

    /** Whether {@code key} signs what the leaf certificate's public key verifies. */
    static boolean matches(X509Certificate[] chain, PrivateKey key) {
        PublicKey pub = chain[0].getPublicKey();
        if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        try {
            byte[] probe = "baton key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** When the certificate in use expires. */
    public Instant notAfter() {
        return fresh().chain()[0].getNotAfter().toInstant();
    }

    private Identity byAlias(String alias) {
        Identity id = current;
        if (id.alias().equals(alias)) {
            return id;
        }
        Identity before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }

    /** Whether our key can serve a handshake that asks for {@code keyType} ("RSA", "EC", "RSASSA-PSS", "EdDSA"...). */
    private static boolean suits(Identity id, String keyType) {
        String ours = id.key().getAlgorithm();
        return keyType == null || keyType.equals(ours)
                || (ours.equals("RSA") && keyType.equals("RSASSA-PSS"))
                || (ours.startsWith("Ed") && keyType.equals("EdDSA"));
    }

    private String aliasFor(String... keyTypes) {
        Identity id = fresh();
        if (keyTypes == null) {
            return id.alias();
        }
        return Arrays.stream(keyTypes).anyMatch(t -> suits(id, t)) ? id.alias() : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String a = aliasFor(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity id = byAlias(alias);
        return id == null ? null : id.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity id = byAlias(alias);
        return id == null ? null : id.key();
    }
}
