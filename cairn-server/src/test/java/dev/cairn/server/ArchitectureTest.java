package dev.cairn.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The transports stand side by side on the core's public API. */
class ArchitectureTest {

  // This module's classes only (not the core's or the Ratis log's, which share the prefix).
  private static final String MODULE =
      CairnServer.class.getProtectionDomain().getCodeSource().getLocation().toString();

  private final JavaClasses server =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(location -> location.asURI().toString().startsWith(MODULE))
          .importPackages("dev.cairn.server");

  @Test
  void transportsDoNotKnowEachOther() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.server.internal.grpc..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cairn.server.internal.http..")
        .check(server);
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.server.internal.http..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cairn.server.internal.grpc..")
        .check(server);
  }

  @Test
  void onlyTheMetricsPackageUsesMicrometer() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cairn.server.internal.metrics..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.micrometer..", "io.prometheus..")
        .check(server);
  }

  @Test
  void dnsUsesNoOtherTransport() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.server.internal.dns..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.cairn.server.internal.http..", "dev.cairn.server.internal.grpc..", "io.grpc..")
        .check(server);
  }

  @Test
  void transportsUseOnlyThePublicCore() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cairn.server.core..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cairn.server.core.internal..")
        .check(server);
  }

  @Test
  void theServerDoesNotUseTheClient() {
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.cairn.client..").check(server);
  }
}
