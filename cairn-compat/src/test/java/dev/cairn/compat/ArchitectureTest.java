package dev.cairn.compat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** A front door reads the catalog only through the core's public API (decision 0130). */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.compat");

  @Test
  void usesNoInternalsOfTheServerOrTheCore() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.cairn.server.internal..",
            "dev.cairn.server.core.internal..",
            "dev.cairn.server.core.log..",
            "dev.cairn.server.ratis..")
        .check(classes);
  }
}
