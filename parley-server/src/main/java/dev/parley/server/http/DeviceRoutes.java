package dev.parley.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.core.Parley;
import dev.parley.core.account.Device;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A user's devices and where their pushes go:
 * <pre>
 * GET    /v1/devices                → {"devices":[{"device","name","createdAt","current"}]}
 * DELETE /v1/devices/{deviceId}     → 204 ({@code current}: this token's device, i.e. log out)
 * PUT    /v1/devices/current/push   {"provider":"apns|fcm|webpush|webhook","target":..}  → 204
 * DELETE /v1/devices/current/push   → 204
 * GET    /v1/push/webpush-key       → {"publicKey"} (no token; 404 WEBPUSH_NOT_CONFIGURED without Web Push)
 * </pre>
 */
final class DeviceRoutes {
    private final Parley parley;
    private final ObjectMapper mapper;
    /** The VAPID public key browsers subscribe with, or null when the server sends no Web Push. */
    private final String webPushPublicKey;

    DeviceRoutes(Parley parley, ObjectMapper mapper, String webPushPublicKey) {
        this.parley = parley;
        this.mapper = mapper;
        this.webPushPublicKey = webPushPublicKey == null || webPushPublicKey.isEmpty() ? null : webPushPublicKey;
    }

    CompletionStage<HttpReply> list(ApiRequest req) {
        return req.authenticate(parley).thenCompose(current -> parley.accounts().devices(current.userId())
                .thenApply(devices -> HttpReply.json(HttpResponseStatus.OK, mapper, devicesBody(devices, current))));
    }

    CompletionStage<HttpReply> revoke(ApiRequest req) {
        String deviceId = req.param("deviceId");
        return req.authenticate(parley).thenCompose(d -> parley.accounts().revoke(d.userId(),
                        deviceId.equals("current") ? d.deviceId() : deviceId))
                .thenApply(v -> HttpReply.empty(HttpResponseStatus.NO_CONTENT));
    }

    /** The body is checked before the token, as it always was. */
    CompletionStage<HttpReply> registerPush(ApiRequest req) {
        ObjectNode body = req.json();
        String provider = ApiRequest.requiredText(body, "provider");
        // a Web Push subscription may come as the browser's PushSubscription object
        String target = body.path("target").isObject() ? body.get("target").toString()
                : ApiRequest.requiredText(body, "target");
        return req.authenticate(parley).thenCompose(d -> parley.push().register(d, provider, target))
                .thenApply(v -> HttpReply.empty(HttpResponseStatus.NO_CONTENT));
    }

    CompletionStage<HttpReply> clearPush(ApiRequest req) {
        return req.authenticate(parley).thenCompose(d -> parley.push().register(d, "none", null))
                .thenApply(v -> HttpReply.empty(HttpResponseStatus.NO_CONTENT));
    }

    /** Public (no token): a web app needs the key to subscribe before it can register the subscription. */
    CompletionStage<HttpReply> webPushKey(ApiRequest req) {
        if (webPushPublicKey == null) {
            throw new HttpErrors.HttpError(HttpResponseStatus.NOT_FOUND, "WEBPUSH_NOT_CONFIGURED",
                    "this server does not send Web Push", null);
        }
        return CompletableFuture.completedFuture(HttpReply.json(HttpResponseStatus.OK, mapper,
                mapper.createObjectNode().put("publicKey", webPushPublicKey)));
    }

    private ObjectNode devicesBody(List<Device> devices, Device current) {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode arr = root.putArray("devices");
        for (Device d : devices) {
            ObjectNode n = arr.addObject();
            n.put("device", d.deviceId());
            n.put("name", d.name());
            n.put("createdAt", d.createdAt().toEpochMilli());
            n.put("current", d.deviceId().equals(current.deviceId()));
        }
        return root;
    }
}
