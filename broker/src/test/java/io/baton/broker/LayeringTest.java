package io.baton.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker's layers, checked on its compiled classes: the state machine ({@code slot}) is pure
 * (the JDK and the names, limits and error catalogue of {@code io.baton.api} only), that shared
 * {@code api} package knows no transport, storage ({@code log}) knows nothing of what it stores or who
 * drives it, the slot threads ({@code runtime}) know neither transport nor coordination, quotas
 * ({@code quota}) are counted from reports and know no other part of the broker, and no
 * two packages depend on each other.
 */
class LayeringTest {
    private static JavaClasses broker;
    private static JavaClasses api;

    @BeforeAll
    static void load() {
        broker = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.baton.broker");
        api = new ClassFileImporter().importPackages("io.baton.api");
    }

    static final ArchRule SLOT_IS_PURE = classes().that().resideInAPackage("io.baton.broker.slot..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.baton.api", "io.baton.broker.slot..")
            .because("the state machine is decided and replayed the same way everywhere: no I/O, threads or libraries");

    static final ArchRule API_KNOWS_NO_TRANSPORT = noClasses().that().resideInAPackage("io.baton.api")
            .should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "io.netty..", "io.baton.api.grpc..", "io.baton.api.tls..")
            .because("names, limits and the error catalogue are shared by every transport; gRPC plumbing lives in io.baton.api.grpc");

    static final ArchRule LOG_STORES_BYTES = noClasses().that().resideInAPackage("io.baton.broker.log..")
            .should().dependOnClassesThat().resideInAnyPackage("io.baton.broker.slot..", "io.baton.broker.runtime..")
            .because("a slot log stores records as bytes, whoever writes them");

    static final ArchRule RUNTIME_BELOW_TRANSPORT = noClasses().that().resideInAPackage("io.baton.broker.runtime..")
            .should().dependOnClassesThat().resideInAnyPackage("io.baton.broker.rpc..", "io.baton.broker.cluster..")
            .because("slot threads serve gRPC and ZooKeeper alike through interfaces they own");

    static final ArchRule QUOTAS_STAND_ALONE = noClasses().that().resideInAPackage("io.baton.broker.quota..")
            .should().dependOnClassesThat().resideInAnyPackage("io.baton.broker.slot..", "io.baton.broker.log..",
                    "io.baton.broker.runtime..", "io.baton.broker.rpc..", "io.baton.broker.cluster..")
            .because("quotas are counted from what slots report and checked by whoever admits a write");

    @Test
    void quotasDependOnNoOtherPartOfTheBroker() {
        QUOTAS_STAND_ALONE.check(broker);
    }

    @Test
    void theSharedApiKnowsNoTransport() {
        API_KNOWS_NO_TRANSPORT.check(api);
    }

    @Test
    void theStateMachineDependsOnTheJdkAndApiOnly() {
        SLOT_IS_PURE.check(broker);
    }

    @Test
    void storageDependsOnNeitherTheStateMachineNorTheSlotThreads() {
        LOG_STORES_BYTES.check(broker);
    }

    @Test
    void slotThreadsDependOnNeitherTransportNorCoordination() {
        RUNTIME_BELOW_TRANSPORT.check(broker);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.baton.broker.(*)..").should().beFreeOfCycles().check(broker);
    }
}
