package io.baton.api.tls;

import io.baton.api.WatchedFile;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trusts the certificate authorities in a PEM file (one or more {@code CERTIFICATE} blocks), re-read
 * when the file changes, so a CA is rotated by writing the old and new CAs into the file, then
 * re-issuing certificates, then dropping the old CA: no restart at any step. Verification is the
 * JDK's own PKIX check, including the host name when the TLS engine asks for it. Threads: any.
 */
public final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private static final Logger log = LoggerFactory.getLogger(ReloadingTrustManager.class);

    /** The JDK trust manager for one version of the file. */
    private record Trust(X509Certificate[] cas, X509ExtendedTrustManager jdk) {
    }

    private final WatchedFile<Trust> file;

    private ReloadingTrustManager(WatchedFile<Trust> file) {
        this.file = file;
    }

    /**
     * Reads {@code caCertificates} now.
     *
     * @throws java.io.UncheckedIOException if it is missing or holds no valid certificate
     */
    public static ReloadingTrustManager load(Path caCertificates) {
        return new ReloadingTrustManager(WatchedFile.load(caCertificates, ReloadingTrustManager::parse, new WatchedFile.Listener<>() {
            @Override
            public void reloaded(Path f, Trust t) {
                log.info("re-read {} trusted certificate authorities from {}", t.cas().length, f);
            }

            @Override
            public void failed(Path f, IOException e) {
                log.error("cannot re-read trusted certificate authorities {} (the previous ones stay trusted): {}", f, e.getMessage());
            }
        }));
    }

    private static Trust parse(byte[] pem) throws IOException {
        X509Certificate[] cas = Pem.certificates(pem);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.length; i++) {
                store.setCertificateEntry("ca-" + i, cas[i]);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return new Trust(cas, x);
                }
            }
            throw new IOException("the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust these certificates: " + e.getMessage(), e);
        }
    }

    private X509ExtendedTrustManager jdk() {
        return file.get().jdk();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        jdk().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        jdk().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        jdk().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        jdk().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return file.get().cas().clone();
    }
}
