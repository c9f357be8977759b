package dev.cairn.server.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The core has no network code: transports live in cairn-server. */
class ArchitectureTest {

  private final JavaClasses core =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.server.core");

  @Test
  void coreHasNoNetworkCode() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.grpc..", "io.netty..", "java.net.http..", "com.sun.net..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.net.Socket")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.net.ServerSocket")
        .check(core);
  }

  @Test
  void coreHasNoMetricsLibrary() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.micrometer..", "io.prometheus..")
        .because("the core reports through RegistryMonitor; the server binds it (decision 0051)")
        .check(core);
  }

  @Test
  void coreDoesNotKnowTheServerOrTheWireContract() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.server", "dev.cairn.server.internal..", "dev.cairn.proto..")
        .check(core);
  }

  @Test
  void publicApiDoesNotExposeInternals() {
    noClasses()
        .that()
        .resideOutsideOfPackage("..internal..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("..internal..")
        .because("only Registry may hold its implementation, as a private field")
        .allowEmptyShould(true)
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.cairn.server.core.log"));
  }
}
