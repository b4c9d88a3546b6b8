package dev.parley.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the server spent its CPU, from a JFR recording: the methods most often on top of the
 * stack in {@code jdk.ExecutionSample} events, and for each sample the first Parley method on the
 * stack (which part of Parley the time is attributed to). Enough to say why a target was missed;
 * open the file in JDK Mission Control for the rest.
 */
final class JfrSummary {
    /** One line of a summary: a method and its share of the samples. */
    record Entry(String method, long samples, double percent) {
    }

    /** The summary of one recording. */
    record Summary(long samples, List<Entry> topFrames, List<Entry> parleyFrames) {
    }

    private JfrSummary() {
    }

    static Summary read(Path file, int top) throws IOException {
        return read(file, top, null);
    }

    /** The summary of the samples taken within {@code span}, or of all of them when it is null. */
    static Summary read(Path file, int top, CpuWindow.Span span) throws IOException {
        Map<String, Long> leaf = new HashMap<>();
        Map<String, Long> parley = new HashMap<>();
        long samples = 0;
        try (RecordingFile r = new RecordingFile(file)) {
            while (r.hasMoreEvents()) {
                RecordedEvent e = r.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                if (span != null && (e.getStartTime().isBefore(span.from()) || e.getStartTime().isAfter(span.to()))) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = st.getFrames();
                leaf.merge(name(frames.get(0)), 1L, Long::sum);
                for (RecordedFrame f : frames) {
                    String n = name(f);
                    if (n.startsWith("dev.parley.")) {
                        parley.merge(n, 1L, Long::sum);
                        break;
                    }
                }
            }
        }
        return new Summary(samples, top(leaf, samples, top), top(parley, samples, top));
    }

    private static String name(RecordedFrame f) {
        if (f.getMethod() == null) {
            return "?";
        }
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static List<Entry> top(Map<String, Long> counts, long total, int n) {
        List<Map.Entry<String, Long>> all = new ArrayList<>(counts.entrySet());
        all.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : all.subList(0, Math.min(n, all.size()))) {
            out.add(new Entry(e.getKey(), e.getValue(), total == 0 ? 0 : 100.0 * e.getValue() / total));
        }
        return out;
    }
}
