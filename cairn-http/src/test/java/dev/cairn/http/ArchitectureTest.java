package dev.cairn.http;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The REST client reaches the registry only through the Cairn client, and knows nothing of gRPC: it
 * rides on the JDK's HTTP client.
 */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.http");

  @Test
  void noServerNoGrpc() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.cairn.server..", "dev.cairn.grpc..", "io.grpc..", "dev.cairn.proto..")
        .check(classes);
  }

  @Test
  void internalsStayBehindTheApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.http.internal..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cairn.http")
        .check(classes);
  }
}
