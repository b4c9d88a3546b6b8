package dev.parley.push.apns;

import java.nio.file.Path;
import java.time.Duration;

/**
 * @param host            {@code production}, {@code sandbox}, or {@code host[:port]}
 * @param topic           the app's bundle id
 * @param keyFile         token auth: the .p8 signing key (with keyId and teamId), or null
 * @param certFile        certificate auth: a PKCS#12 file, or null
 * @param trustedCertFile PEM CA to trust instead of the JVM's, or null
 * @param timeout         connect timeout
 */
public record ApnsConfig(String host, String topic, Path keyFile, String keyId, String teamId, Path certFile,
                         String certPassword, Path trustedCertFile, Duration timeout) {
}
