package dev.parley.server.config;

/**
 * The mappings of the configuration file that hold keys, in the order {@code parley-default.yaml}
 * lists them, each with the comment written above its header there (null for none). A key's
 * section is the path before its last dot ({@link ConfigKey#sectionPath()}).
 */
enum ConfigSection {
    SERVER("server", null),
    SERVER_TLS("server.tls", null),
    SERVER_HTTP("server.http", "Plain HTTP connections: REST requests, and every connection until its WebSocket upgrade."),
    SERVER_ADMIN("server.admin", """
            The admin listener: GET /metrics (Prometheus) and GET /health, apart from the API port so
            that metrics are not public. Bound to loopback; expose it only to your scraper."""),
    STORE("store", null),
    STORE_CASSANDRA("store.cassandra", null),
    ROUTER("router", null),
    ROUTER_KAFKA("router.kafka", null),
    PRESENCE("presence", null),
    PRESENCE_REDIS("presence.redis", null),
    PUSH("push", "Pushes wake offline devices; the inbox stays the truth, a push is only a wake-up."),
    PUSH_WEBHOOK("push.webhook", null),
    PUSH_WEBPUSH("push.webpush", null),
    PUSH_FCM("push.fcm", null),
    PUSH_APNS("push.apns", null),
    LIMITS("limits", null),
    METRICS("metrics", null);

    final String path;
    final String comment;

    ConfigSection(String path, String comment) {
        this.path = path;
        this.comment = comment;
    }

    static ConfigSection byPath(String path) {
        for (ConfigSection s : values()) {
            if (s.path.equals(path)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no section " + path + ": add it to ConfigSection");
    }
}
