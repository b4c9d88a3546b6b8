package dev.parley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A scenario's result: rows for the table on stdout and the same figures, unformatted, as JSON.
 * Latency is kept in microseconds in JSON and shown in milliseconds in the table.
 */
final class Report {
    private final List<String[]> rows = new ArrayList<>();
    private final Map<String, Object> json = new LinkedHashMap<>();
    private boolean ok = true;

    Report(String scenario) {
        json.put("scenario", scenario);
    }

    /** Adds a table row (and a JSON value under {@code key} when {@code value} is not null). */
    Report row(String label, String text, String key, Object value) {
        rows.add(new String[] {label, text});
        if (key != null && value != null) {
            json.put(key, value);
        }
        return this;
    }

    /** Adds a JSON value only. */
    Report put(String key, Object value) {
        json.put(key, value);
        return this;
    }

    /** Adds a latency row from a histogram (microseconds), or "no samples". */
    Report latency(String label, String key, Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return row(label, "no samples", null, null);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p90", h.getValueAtPercentile(90));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p999", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        m.put("mean", Math.round(h.getMean()));
        String text = String.format("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms  (%,d samples)",
                Hist.ms(h.getValueAtPercentile(50)), Hist.ms(h.getValueAtPercentile(90)),
                Hist.ms(h.getValueAtPercentile(99)), Hist.ms(h.getValueAtPercentile(99.9)), Hist.ms(h.getMaxValue()),
                h.getTotalCount());
        return row(label, text, key + "Micros", m);
    }

    /** Marks the run failed (non-zero exit) with a reason shown in the table. */
    Report fail(String reason) {
        ok = false;
        @SuppressWarnings("unchecked")
        List<String> reasons = (List<String>) json.computeIfAbsent("failures", k -> new ArrayList<String>());
        reasons.add(reason);
        rows.add(new String[] {"FAILED", reason});
        return this;
    }

    boolean ok() {
        return ok;
    }

    void print(PrintStream out) {
        json.put("ok", ok);
        int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(10);
        out.println();
        for (String[] r : rows) {
            out.printf("%-" + w + "s  %s%n", r[0], r[1]);
        }
        out.println(ok ? "RESULT: PASS" : "RESULT: FAIL");
    }

    void writeJson(Path file) throws IOException {
        json.put("ok", ok);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    static String kib(double bytes) {
        return String.format("%,.2f KiB", bytes / 1024.0);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "unknown" : String.format("%,.1f MiB", bytes / 1048576.0);
    }
}
