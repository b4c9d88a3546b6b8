package dev.parley.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The boundaries between Parley's modules, checked on the main classes of every module (this
 * module has them all on its test classpath): the core and the protocol import no technology,
 * and the adapters do not import each other.
 */
@AnalyzeClasses(packages = "dev.parley", importOptions = ImportOption.DoNotIncludeTests.class)
class BoundariesTest {

    /** The adapter modules' packages: each implements the core's ports with one technology. */
    static final List<String> ADAPTERS = List.of("dev.parley.store.rocksdb..", "dev.parley.store.cassandra..",
            "dev.parley.log.kafka..", "dev.parley.routing.kafka..", "dev.parley.presence.redis..", "dev.parley.push..");

    /**
     * The adapter dependencies that exist by design. The Kafka log store ({@code parley-log-kafka})
     * is the scale-out write path: it writes its projection through {@code CassandraStore} and
     * encodes log records with the Kafka router's {@code DomainJson}.
     */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "dev.parley.log.kafka..", Set.of("dev.parley.store.cassandra..", "dev.parley.routing.kafka.."));

    @ArchTest
    static final ArchRule theCoreImportsNoTransportOrDriver = noClasses()
            .that().resideInAPackage("dev.parley.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "io.netty..",            // transport
                    "org.rocksdb..",         // embedded store
                    "com.datastax..",        // Cassandra driver
                    "org.apache.kafka..",    // Kafka clients and streams
                    "io.lettuce..",          // Redis
                    "com.eatthepath..",      // Pushy (APNs)
                    "com.google.auth..",     // FCM credentials
                    "java.net.http..")       // HTTP client of the push senders
            .because("the core is the domain and its ports; technologies live in adapters");

    @ArchTest
    static final ArchRule adaptersDoNotImportEachOther = adaptersApart();

    /**
     * The core's features (account, contact, conversation, message, presence, push, delivery) depend
     * on each other in one direction only, so that each can be read and tested from the bottom up;
     * {@code dev.parley.core} itself (the composition root) is outside the slices.
     */
    @ArchTest
    static final ArchRule coreFeaturePackagesFormNoCycle = slices().matching("dev.parley.core.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule theProtocolDependsOnNothingOfParleysButItself = noClasses()
            .that().resideInAPackage("dev.parley.protocol..")
            .should().dependOnClassesThat(resideInAPackage("dev.parley..")
                    .and(resideOutsideOfPackage("dev.parley.protocol..")))
            .because("the wire format is shared by the server, the SDK and the tests, and depends on none of them");

    private static ArchRule adaptersApart() {
        List<ArchRule> rules = new ArrayList<>();
        for (String adapter : ADAPTERS) {
            List<String> others = new ArrayList<>(ADAPTERS);
            others.remove(adapter);
            others.removeAll(ALLOWED.getOrDefault(adapter, Set.of()));
            rules.add(noClasses().that().resideInAPackage(adapter)
                    .should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
                    .because("adapters meet only through the core's ports"));
        }
        return CompositeArchRule.of(rules);
    }
}
