package dev.parley.push.webhook;

import java.time.Duration;

/**
 * @param timeout       connect and request timeout of one POST
 * @param maxConcurrent most POSTs open at once
 * @param secret        HMAC-SHA256 key of the signature header; null sends no signature
 */
public record WebhookConfig(Duration timeout, int maxConcurrent, byte[] secret) {
    public WebhookConfig {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be positive");
        }
    }
}
