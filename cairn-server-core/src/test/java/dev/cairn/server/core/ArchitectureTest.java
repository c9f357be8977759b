package dev.cairn.server.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

  /**
   * The module descriptor keeps other modules out of the internal package (decision 0095); this
   * keeps its types out of what the exported packages offer, which javac only warns about.
   */
  @Test
  void exportedSignaturesDoNotNameInternalTypes() {
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : core) {
      if (c.getPackageName().contains(".internal")
          || !c.getModifiers().contains(JavaModifier.PUBLIC)) {
        continue;
      }
      for (JavaMember m : c.getMembers()) {
        if (!m.getModifiers().contains(JavaModifier.PUBLIC)
            && !m.getModifiers().contains(JavaModifier.PROTECTED)) {
          continue;
        }
        Set<JavaClass> types = new HashSet<>();
        if (m instanceof JavaField f) {
          types.add(f.getRawType());
        } else if (m instanceof JavaCodeUnit u) {
          types.add(u.getRawReturnType());
          types.addAll(u.getRawParameterTypes());
        }
        for (JavaClass t : types) {
          if (t.getPackageName().contains(".internal")) {
            leaks.add(m.getFullName() + " -> " + t.getName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
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
