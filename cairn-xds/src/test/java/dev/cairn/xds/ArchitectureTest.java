package dev.cairn.xds;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/** A front door reads the catalog only through the core's public API (decision 0130). */
class ArchitectureTest {

  // This module's classes only: scanning the whole classpath for the package is slow.
  private static final String MODULE =
      XdsFrontDoor.class.getProtectionDomain().getCodeSource().getLocation().toString();

  private final JavaClasses classes =
      new ClassFileImporter().importPath(java.nio.file.Path.of(java.net.URI.create(MODULE)));

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
