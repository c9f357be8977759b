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
 * build's versions: the project's version, gRPC, protobuf and Netty, and lists every client-side
 * module.
 */
class BomTest {

  private static final Path ROOT = Path.of("..");

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
    assertThat(listed)
        .contains(
            "cairn-common",
            "cairn-proto",
            "cairn-client",
            "cairn-grpc",
            "cairn-http",
            "cairn-amqp",
            "cairn-spring-boot-autoconfigure",
            "cairn-spring-boot-starter",
            "cairn-testing");
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
