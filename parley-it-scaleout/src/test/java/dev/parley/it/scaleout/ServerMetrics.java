package dev.parley.it.scaleout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads counters from a chat server's Prometheus endpoint ({@code GET /metrics} of its admin
 * listener, {@link ScaleOutFleet#adminUri}), so that a test
 * can tell which path delivered something: for example {@code parley_routing_kafka_received_total}
 * grows only when the server consumed a notification from its Kafka topic.
 */
final class ServerMetrics {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServerMetrics() {
    }

    /**
     * The sum of every sample of {@code name} whose labels contain {@code label="value"} (or of
     * every sample when {@code label} is null); 0 when there is none.
     */
    static double sum(URI server, String name, String label, String value) {
        String text;
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + server + "/metrics answered " + r.statusCode());
            }
            text = r.body();
        } catch (IOException e) {
            throw new AssertionError("cannot read the metrics of " + server + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        double total = 0;
        String wanted = label == null ? null : label + "=\"" + value + "\"";
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int end = line.lastIndexOf(' ');
            String series = line.substring(0, end);
            if (wanted != null && !series.contains(wanted)) {
                continue;
            }
            total += Double.parseDouble(line.substring(end + 1).trim());
        }
        return total;
    }
}
