package dev.parley.push.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.push.LocalHttpServer;
import dev.parley.push.LocalHttpServer.Answer;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local Google for tests: a token endpoint that verifies the service account's signed JWT grant
 * as Google's does, and an FCM endpoint that checks the bearer token and the message and answers
 * FCM's documented errors for the tokens {@code dead-token} (UNREGISTERED), {@code invalid-token}
 * (INVALID_ARGUMENT), {@code quota-token} (QUOTA_EXCEEDED, Retry-After 30) and {@code down-token}
 * (UNAVAILABLE). The service-account key is written under {@code dir}.
 */
/** A fake Google token endpoint and FCM for {@code project}; the service-account key is written under {@code dir}. */
public final class FakeGoogle implements AutoCloseable {
    public static final String ACCESS_TOKEN = "ya29.local-test-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyPair key;
    public final LocalHttpServer tokenServer;
    public final LocalHttpServer fcm;
    public final Path keyFile;
    public final AtomicInteger tokensIssued = new AtomicInteger();

    public FakeGoogle(Path dir, String project) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        key = g.generateKeyPair();
        tokenServer = new LocalHttpServer(this::token);
        fcm = new LocalHttpServer(r -> send(r, project));
        keyFile = dir.resolve("service-account.json");
        ObjectNode sa = JSON.createObjectNode();
        sa.put("type", "service_account");
        sa.put("project_id", project);
        sa.put("private_key_id", "key-1");
        sa.put("private_key", "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        sa.put("client_email", "parley@" + project + ".iam.gserviceaccount.com");
        sa.put("client_id", "1234567890");
        sa.put("token_uri", "https://oauth2.googleapis.com/token"); // overridden by the configured token URI
        Files.writeString(keyFile, sa.toString());
    }

    public FcmConfig config(String project) {
        return new FcmConfig(project, keyFile, URI.create(fcm.url("")), URI.create(tokenServer.url("/token")),
                Duration.ofSeconds(5));
    }

    /** Verifies the JWT bearer grant as Google does: RS256 under the service account's key, FCM scope, Google's audience. */
    private Answer token(LocalHttpServer.Request r) throws Exception {
        Map<String, String> form = new HashMap<>();
        for (String pair : r.bodyText().split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
            return new Answer(400, Map.of(), "{\"error\":\"unsupported_grant_type\"}");
        }
        String[] jwt = form.get("assertion").split("\\.");
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(key.getPublic());
        rs256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt[1]));
        if (!rs256.verify(Base64.getUrlDecoder().decode(jwt[2]))
                || !claims.path("scope").asText().contains(FcmPushSender.SCOPE)
                || !claims.path("aud").asText().equals("https://oauth2.googleapis.com/token")) {
            return new Answer(400, Map.of(), "{\"error\":\"invalid_grant\"}");
        }
        tokensIssued.incrementAndGet();
        return new Answer(200, Map.of("Content-Type", "application/json"),
                "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}");
    }

    private static Answer send(LocalHttpServer.Request r, String project) throws Exception {
        if (!("Bearer " + ACCESS_TOKEN).equals(r.header("Authorization"))) {
            return error(401, "UNAUTHENTICATED", null, Map.of());
        }
        if (!r.method().equals("POST") || !r.path().equals("/v1/projects/" + project + "/messages:send")) {
            return error(404, "NOT_FOUND", null, Map.of());
        }
        JsonNode m = JSON.readTree(r.body()).path("message");
        String token = m.path("token").asText("");
        if (token.isEmpty() || !m.path("data").isObject() || m.has("notification")
                || !m.path("data").path("parley").asText().equals("sync")
                || m.path("android").path("collapse_key").asText().isEmpty()) {
            return error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", Map.of());
        }
        // as FCM does: reserved data keys and non-string values are invalid
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) m.path("data")::fields) {
            String k = field.getKey();
            if (k.equals("from") || k.equals("message_type") || k.startsWith("google") || k.startsWith("gcm")
                    || !field.getValue().isTextual()) {
                return error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", Map.of());
            }
        }
        return switch (token) {
            case "dead-token" -> error(404, "NOT_FOUND", "UNREGISTERED", Map.of());
            case "invalid-token" -> error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", Map.of());
            case "quota-token" -> error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", Map.of("Retry-After", "30"));
            case "down-token" -> error(503, "UNAVAILABLE", "UNAVAILABLE", Map.of());
            default -> new Answer(200, Map.of("Content-Type", "application/json"),
                    "{\"name\":\"projects/" + project + "/messages/0:1\"}");
        };
    }

    private static Answer error(int status, String grpcStatus, String fcmCode, Map<String, String> headers) {
        String details = fcmCode == null ? "[]" : "[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\","
                + "\"errorCode\":\"" + fcmCode + "\"}]";
        Map<String, String> h = new HashMap<>(headers);
        h.put("Content-Type", "application/json");
        return new Answer(status, h, "{\"error\":{\"code\":" + status + ",\"message\":\"test\",\"status\":\""
                + grpcStatus + "\",\"details\":" + details + "}}");
    }

    @Override
    public void close() {
        tokenServer.close();
        fcm.close();
    }
}
