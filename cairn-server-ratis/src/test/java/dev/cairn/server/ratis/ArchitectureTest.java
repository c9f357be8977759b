package dev.cairn.server.ratis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  private static final JavaClasses MODULE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.server.ratis");

  @Test
  void usesOnlyThePublicApiOfCore() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.server.core.internal..", "dev.cairn.server..transport..")
        .check(MODULE);
  }

  @Test
  void publicApiExposesNoInternalOrRatisType() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> api :
        List.of(RatisCommandLog.class, RatisCommandLog.Builder.class, LogRepair.class)) {
      for (Method m : api.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers())) {
          Stream.concat(Stream.of(m.getReturnType()), Arrays.stream(m.getParameterTypes()))
              .filter(ArchitectureTest::hidden)
              .forEach(t -> leaks.add(api.getSimpleName() + "." + m.getName() + ": " + t));
        }
      }
      for (Constructor<?> c : api.getDeclaredConstructors()) {
        if (Modifier.isPublic(c.getModifiers())) {
          leaks.add(api.getSimpleName() + ": public constructor");
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  private static boolean hidden(Class<?> type) {
    String name = type.getName();
    return name.contains(".internal.") || name.startsWith("org.apache.ratis.");
  }
}
