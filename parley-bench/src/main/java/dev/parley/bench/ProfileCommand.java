package dev.parley.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench profile}: a JFR recording summarized, without running anything. */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Summarize a JFR recording (from --server-jfr or any JVM): hottest methods, and CPU by the first Parley method on the stack.")
final class ProfileCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Parameters(paramLabel = "FILE", description = "A .jfr recording.")
    java.nio.file.Path file;

    @Option(names = "--top", defaultValue = "20", description = "Lines per list (default ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() throws Exception {
        JfrSummary.Summary s = JfrSummary.read(file, top);
        System.out.printf("%,d CPU samples in %s%n%nhottest methods (top of stack):%n", s.samples(), file);
        s.topFrames().forEach(e -> System.out.printf("  %5.1f%%  %s%n", e.percent(), e.method()));
        System.out.printf("%nby the first dev.parley method on the stack:%n");
        s.parleyFrames().forEach(e -> System.out.printf("  %5.1f%%  %s%n", e.percent(), e.method()));
        return 0;
    }
}
