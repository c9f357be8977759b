package dev.cairn.client.lb;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Balancing and resilience are shared by every transport: they know no transport, no wire format
 * and not the registry client; balancing does not know resilience.
 */
class TransportNeutralityTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.client.lb", "dev.cairn.client.resilience");

  @Test
  void noTransportNoRegistryClient() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.cairn.client.lb..", "dev.cairn.client.resilience..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..",
            "io.netty..",
            "dev.cairn.proto..",
            "dev.cairn.server..",
            "dev.cairn.client")
        .check(classes);
  }

  @Test
  void balancingDoesNotKnowResilience() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.cairn.client.lb..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.client.resilience..", "io.github.resilience4j..")
        .check(classes);
  }
}
