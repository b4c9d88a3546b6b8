package dev.parley.push.fcm;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * @param projectId          the Firebase project the app belongs to
 * @param serviceAccountFile the service account's JSON key (downloaded from the Firebase console)
 * @param baseUrl            the FCM API root, {@code https://fcm.googleapis.com} in production
 * @param tokenUri           where access tokens are obtained; null keeps the key file's {@code token_uri}
 * @param timeout            timeout of one send
 */
public record FcmConfig(String projectId, Path serviceAccountFile, URI baseUrl, URI tokenUri, Duration timeout) {
}
