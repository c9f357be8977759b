package dev.cairn.grpc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The gRPC integration sits on the client: never the server, never another transport. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("dev.cairn.grpc");

  @Test
  void doesNotImportTheServer() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.server..")
        .check(classes);
  }

  @Test
  void doesNotImportOtherTransports() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.http..", "dev.cairn.amqp..")
        .check(classes);
  }

  // That it uses only the client's public API is the compiler's to check now: dev.cairn.client
  // does not export its internal packages (module-info.java, decision 0095).
}
