package dev.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 6: the server's own logback.xml writes every event to the console and to a file. */
class LoggingConfigTest {
    @TempDir
    Path dir;

    @Test
    void eventsGoToTheConsoleAndToARollingFileInTheLogDirectory() throws Exception {
        // The main configuration, not the tests' logback-test.xml, in a context of its own.
        URL config = LoggingConfigTest.class.getClassLoader().getResource("logback.xml");
        assertThat(config).isNotNull();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // what SLF4J's binding does for the default context
        context.putProperty("parley.log.dir", dir.toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
        context.start();
        try {
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getAppender("STDOUT")).isInstanceOf(ConsoleAppender.class);
            assertThat(root.getAppender("FILE")).isInstanceOf(RollingFileAppender.class);
            context.getLogger("dev.parley.server.LoggingConfigTest").info("written to the file, key={}", 42);
        } finally {
            context.stop();
        }
        Path file = dir.resolve("parley.log");
        assertThat(file).exists();
        assertThat(Files.readString(file)).contains("level=INFO", "msg=\"written to the file, key=42\"");
    }
}
