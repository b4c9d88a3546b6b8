package dev.parley.devservices.child;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Main class of the Kafka child process (never loaded by the launcher itself): formats the storage
 * when asked, then runs {@code kafka.Kafka} in the same JVM, which saves a JVM start and Kafka's
 * class loading on a first start. Reflection only: Kafka is on the child's class path, not on this
 * module's.
 *
 * <p>Arguments: {@code <cluster id to format with, or "-" to skip formatting> <server.properties>}.
 */
public final class KafkaFormatAndStart {
    private KafkaFormatAndStart() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length != 2) {
            System.err.println("usage: KafkaFormatAndStart <cluster-id|-> <server.properties>");
            System.exit(2);
        }
        try {
            if (!"-".equals(args[0])) {
                Method execute = Class.forName("kafka.tools.StorageTool").getMethod("execute", String[].class, PrintStream.class);
                int rc = (int) execute.invoke(null, new String[] {"format", "-t", args[0], "-c", args[1]}, System.out);
                if (rc != 0) {
                    System.err.println("parley-devservices: formatting Kafka's storage failed with code " + rc);
                    System.exit(rc);
                }
            }
            Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) new String[] {args[1]});
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
