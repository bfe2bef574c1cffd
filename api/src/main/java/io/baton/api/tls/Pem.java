package io.baton.api.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM files: certificate chains and unencrypted PKCS#8 private keys (RSA, EC, Ed25519). */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS"};

    private Pem() {
    }

    /** Every {@code CERTIFICATE} block, in file order (a chain: the leaf first). */
    public static X509Certificate[] certificates(byte[] pem) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(pem)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException("not a valid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        return out.toArray(X509Certificate[]::new);
    }

    /** The one {@code PRIVATE KEY} block (PKCS#8); PKCS#1 and SEC1 keys are named as such in the error. */
    public static PrivateKey privateKey(byte[] pem) throws IOException {
        for (Block b : blocks(pem)) {
            switch (b.type()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(b.der());
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new IOException("the key is in " + b.type()
                        + " form; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8");
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException("the key is encrypted; Baton reads unencrypted"
                        + " PKCS#8 keys (protect the file with its permissions)");
                default -> {
                    // certificates may share the file: skip them
                }
            }
        }
        throw new IOException("no PEM private key (-----BEGIN PRIVATE KEY-----) found");
    }

    private static PrivateKey pkcs8(byte[] der) throws IOException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm: PKCS#8 names it inside, but the JDK wants it up front
            }
        }
        throw new IOException("the PKCS#8 key is not an RSA, EC or EdDSA key this JDK can read");
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(byte[] pem) throws IOException {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IOException("a PEM " + m.group(1) + " block is not valid base64", e);
            }
        }
        return out;
    }
}
