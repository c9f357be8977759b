package dev.cairn.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The client side never imports the server: it reaches the registry only over the wire. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("dev.cairn.client");

  @Test
  void talksToTheServerOnlyThroughItsApis() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.server..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void theRegistryClientReachesItsInternalsOnlyFromItsFacade() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.client")
        .and()
        .haveNameNotMatching("dev\\.cairn\\.client\\.CairnClient(\\$.*)?")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cairn.client.internal")
        .check(classes);
  }
}
