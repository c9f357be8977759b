package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code cairn-bom} (which has no parent, so that importing it brings nothing else) keeps the
 * build's versions: the project's version, gRPC, protobuf and Netty, and lists every module an
 * application can depend on.
 */
class BomTest {

  private static final Path ROOT = Path.of("..");

  // Applications, examples and tests of the project, and the BOM itself: nothing to import.
  private static final List<String> NOT_LIBRARIES =
      List.of(
          "cairn-bom",
          "cairn-cli",
          "cairn-loadgen",
          "cairn-examples",
          "cairn-spring-examples",
          "cairn-it");

  @Test
  void theBomPinsWhatTheBuildUses() throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("cairn-bom/pom.xml"));
    for (String property : List.of("grpc.version", "protobuf.version", "netty.version")) {
      assertThat(value(bom, property)).as(property).isEqualTo(value(parent, property));
    }
    assertThat(value(bom, "cairn.version")).isEqualTo(version(parent));
    List<String> listed = new ArrayList<>();
    Matcher m = Pattern.compile("<artifactId>(cairn-[a-z-]+)</artifactId>").matcher(bom);
    while (m.find()) {
      listed.add(m.group(1));
    }
    // Every module an application can depend on, so that importing the BOM pins each of them; the
    // applications and the BOM itself are not libraries.
    List<String> libraries = new ArrayList<>();
    Matcher modules = Pattern.compile("<module>(cairn-[a-z-]+)</module>").matcher(parent);
    while (modules.find()) {
      libraries.add(modules.group(1));
    }
    libraries.removeAll(NOT_LIBRARIES);
    assertThat(libraries).contains("cairn-client", "cairn-server", "cairn-xds", "cairn-compat");
    assertThat(listed).containsAll(libraries);
  }

  private static String value(String pom, String property) {
    Matcher m = Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)<").matcher(pom);
    assertThat(m.find()).as(property + " in pom").isTrue();
    return m.group(1);
  }

  private static String version(String parentPom) {
    Matcher m =
        Pattern.compile("<artifactId>cairn-parent</artifactId>\\s*<version>([^<]+)<")
            .matcher(parentPom);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }
}
