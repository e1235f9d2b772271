package io.mtlsproxy.admin.layering;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The module and package layering, on the main classes of every module proxy-admin sees (config, core, admin):
 * Maven's module graph stops core from importing admin at compile time only as long as nobody adds the dependency,
 * and it says nothing about packages inside a module.
 */
@Timeout(120)
class LayeringTest {
    /** The packages a request passes through: they read certificates, they never issue them. */
    static final String[] DATA_PATH = {
        "io.mtlsproxy.core.inbound..",
        "io.mtlsproxy.core.forward..",
        "io.mtlsproxy.core.upstream..",
        "io.mtlsproxy.core.tls..",
        "io.mtlsproxy.core.identity..",
        "io.mtlsproxy.core.routing..",
        "io.mtlsproxy.core.protocol..",
        "io.mtlsproxy.core.h2..",
        "io.mtlsproxy.core.tcp..",
        "io.mtlsproxy.core.relay..",
        "io.mtlsproxy.core.admission.."
    };

    static final ArchRule CONFIG_DEPENDS_ON_NOTHING_OF_OURS = noClasses()
            .that()
            .resideInAPackage("io.mtlsproxy.config..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.mtlsproxy.core..", "io.mtlsproxy.admin..", "io.mtlsproxy.bench..");

    static final ArchRule CORE_DOES_NOT_DEPEND_ON_ADMIN = noClasses()
            .that()
            .resideInAPackage("io.mtlsproxy.core..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.mtlsproxy.admin..", "io.mtlsproxy.bench..");

    static final ArchRule DATA_PATH_DOES_NOT_ISSUE = noClasses()
            .that()
            .resideInAnyPackage(DATA_PATH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.mtlsproxy.core.ca..");

    /** Every package is its own slice: {@code admin} and {@code admin.cli} are two. */
    static final ArchRule NO_PACKAGE_CYCLES =
            slices().matching("io.mtlsproxy.(**)").should().beFreeOfCycles();

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        // under mvn verify, proxy-core's test classes come from its packaged test-jar, not target/test-classes
        ImportOption noTestJars = location -> !location.contains("-tests.jar");
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(noTestJars)
                .importPackages("io.mtlsproxy");
    }

    @Test
    void configDependsOnNothingOfOurs() {
        CONFIG_DEPENDS_ON_NOTHING_OF_OURS.check(main);
    }

    @Test
    void coreDoesNotDependOnAdmin() {
        CORE_DOES_NOT_DEPEND_ON_ADMIN.check(main);
    }

    @Test
    void dataPathNeverImportsTheIssuingPackage() {
        DATA_PATH_DOES_NOT_ISSUE.check(main);
    }

    @Test
    void noPackageCycles() {
        NO_PACKAGE_CYCLES.check(main);
    }
}
