package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The DNS interface as {@code dig} (ISC's, from Debian's dnsutils) sees it. Skipped, with a
 * message, where dig is not installed; {@code .ci/run} installs it.
 */
class DigTest {

  private static CairnServer server;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(dig() != null, "dig is not installed (apt-get install dnsutils): test skipped");
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).dnsPort(0).start();
    port = server.dnsAddress().orElseThrow().getPort();
    var r = server.registry();
    r.register(
            "default",
            Instance.builder("hello", "127.0.0.11")
                .id("a")
                .port("http", 8080)
                .weight(30)
                .tags(List.of("canary"))
                .build())
        .join();
    r.register(
            "default",
            Instance.builder("hello", "127.0.0.12").id("b").port("http", 8081).weight(70).build())
        .join();
    for (int i = 0; i < 40; i++) {
      r.register("default", Instance.builder("big", "127.0.1." + i).port("http", 9000).build())
          .join();
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void srvListsTheHealthyInstancesWithPortsAndWeights() throws Exception {
    assertThat(dig("hello.service.cairn", "SRV", "+short"))
        .containsExactlyInAnyOrder(
            "1 30 8080 7f00000b.addr.cairn.", "1 70 8081 7f00000c.addr.cairn.");
  }

  @Test
  void aTagSubdomainFilters() throws Exception {
    assertThat(dig("canary.hello.service.cairn", "SRV", "+short"))
        .containsExactly("1 30 8080 7f00000b.addr.cairn.");
    assertThat(dig("canary.hello.service.cairn", "A", "+short")).containsExactly("127.0.0.11");
  }

  @Test
  void unknownNamesAreNxdomain() throws Exception {
    assertThat(String.join("\n", dig("nobody.service.cairn", "A"))).contains("status: NXDOMAIN");
  }

  @Test
  void theApexNamesItsNameServerAndTheNameServerResolves() throws Exception {
    assertThat(dig("cairn", "NS", "+short")).containsExactly("ns.cairn.");
    assertThat(dig("ns.cairn", "A", "+short")).containsExactly("127.0.0.1");
    assertThat(dig("ns.cairn", "A", "+tcp", "+short")).containsExactly("127.0.0.1");
    assertThat(String.join("\n", dig("cairn", "NS", "+noall", "+additional")))
        .containsPattern("(?m)^ns\\.cairn\\.\\s+0\\s+IN\\s+A\\s+127\\.0\\.0\\.1$");
    assertThat(dig("cairn", "SOA", "+short")).singleElement().asString().startsWith("ns.cairn. ");
  }

  @Test
  void emptyNonTerminalsAreNoerrorWithTheSoa() throws Exception {
    for (String name : List.of("service.cairn", "addr.cairn", "_tcp.hello.service.cairn")) {
      String out = String.join("\n", dig(name, "A"));
      assertThat(out).as(name).contains("status: NOERROR").contains("ANSWER: 0, AUTHORITY: 1");
      assertThat(out).as(name).containsPattern("(?m)^cairn\\.\\s+0\\s+IN\\s+SOA\\s+ns\\.cairn\\.");
    }
  }

  @Test
  void mixedCaseIsEchoedAndAnswered() throws Exception {
    assertThat(dig("HeLlO.sErViCe.CaIrN", "A", "+noall", "+answer"))
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).startsWith("HeLlO.sErViCe.CaIrN.\t"));
  }

  @Test
  void aNotifyIsNotImplementedAndDigTakesTheAnswer() throws Exception {
    assertThat(String.join("\n", dig("cairn", "SOA", "+opcode=notify")))
        .contains("opcode: NOTIFY, status: NOTIMP")
        .doesNotContain("WARNING: EDNS"); // the answer carries an OPT record, as the query did
  }

  @Test
  void aTruncatedUdpAnswerIsRetriedOverTcp() throws Exception {
    List<String> udpOnly = dig("big.service.cairn", "A", "+noedns", "+ignore", "+short");
    List<String> all = dig("big.service.cairn", "A", "+noedns", "+short");
    assertThat(udpOnly).hasSizeLessThan(40);
    assertThat(all).hasSize(40);
  }

  private static List<String> dig(String name, String type, String... options)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(dig(), "@127.0.0.1", "-p", String.valueOf(port)));
    cmd.addAll(List.of("+time=5", "+tries=1", name, type));
    cmd.addAll(Arrays.asList(options));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text.lines().filter(l -> !l.isBlank()).toList();
  }

  private static String dig() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir, "dig");
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}
