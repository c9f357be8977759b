package dev.cairn.amqp;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client side never imports the server: it reaches the registry only over the wire. */
class ArchitectureTest {

  private final JavaClasses classes =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.amqp");

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
  void noInternalTypeAppearsInAPublicSignature() {
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : classes) {
      if (!c.getPackageName().equals("dev.cairn.amqp")
          || !c.getModifiers().contains(JavaModifier.PUBLIC)) {
        continue;
      }
      for (JavaCodeUnit unit : c.getCodeUnits()) {
        if (!unit.getModifiers().contains(JavaModifier.PUBLIC)) {
          continue;
        }
        List<JavaClass> types = new ArrayList<>(unit.getRawParameterTypes());
        types.add(unit.getRawReturnType());
        for (JavaClass t : types) {
          if (t.getPackageName().startsWith("dev.cairn.amqp.internal")) {
            leaks.add(unit.getFullName() + " uses " + t.getName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
  }
}
