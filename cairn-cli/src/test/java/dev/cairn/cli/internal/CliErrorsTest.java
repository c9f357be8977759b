package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.testing.CairnServerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** Usage errors, help texts and the messages of failures: one line each, no Java, no page dumps. */
class CliErrorsTest {

  @RegisterExtension final CairnServerExtension server = CairnServerExtension.inMemory();

  private static List<String> lines(String s) {
    return s.lines().toList();
  }

  @Test
  void aUsageErrorIsOneLineAndAHint() {
    CliRun port = cairn("server", "--http-port", "-5");
    CliRun unknown = cairn("server", "--http-host", "x");
    CliRun map = cairn("register", "web", "--id", "a", "--address", "b", "--port", "http");
    CliRun notInt = cairn("server", "--http-port", "abc");
    CliRun missing = cairn("register", "web", "--id", "a");
    CliRun noValue = cairn("server", "--bind");
    CliRun command = cairn("servics");
    CliRun none = cairn();
    CliRun extra = cairn("instances", "web", "surplus");

    assertThat(List.of(port, unknown, map, notInt, missing, noValue, command, none, extra))
        .allSatisfy(
            run -> {
              assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.USAGE);
              assertThat(lines(run.err())).as("%s", run).hasSize(2);
              assertThat(lines(run.err()).get(1)).as("%s", run).matches("Try 'cairn.*--help'\\.");
              assertThat(run.out()).as("%s", run).isEmpty();
            });
    assertThat(lines(port.err()))
        .containsExactly(
            "error: --http-port: -5 (expected: 0..65535)", "Try 'cairn server --help'.");
    assertThat(lines(unknown.err()).get(0))
        .isEqualTo("error: unknown option '--http-host' (did you mean --http-port?)");
    assertThat(lines(map.err()).get(0)).isEqualTo("error: --port: 'http' (expected: NAME=PORT)");
    assertThat(lines(map.err()).get(1)).isEqualTo("Try 'cairn register --help'.");
    assertThat(lines(notInt.err()).get(0))
        .isEqualTo("error: --http-port: 'abc' (expected: a whole number)");
    assertThat(lines(missing.err()).get(0))
        .isEqualTo("error: missing required option --address HOST");
    assertThat(lines(noValue.err()).get(0)).isEqualTo("error: --bind: missing its value, ADDRESS");
    assertThat(lines(command.err()).get(0)).startsWith("error: unknown command 'servics'");
    assertThat(lines(none.err())).containsExactly("error: missing command", "Try 'cairn --help'.");
    assertThat(lines(extra.err()).get(0)).isEqualTo("error: unexpected argument 'surplus'");
  }

  @Test
  void anEmptyDataDirIsAUsageError() {
    CliRun server = cairn("server", "--data-dir", "", "--http-port", "0", "--grpc-port", "0");
    CliRun repair = cairn("repair", "--data-dir", "");

    assertThat(server.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(lines(server.err()).get(0))
        .isEqualTo("error: --data-dir: empty (expected: a directory, e.g. ./data)");
    assertThat(repair.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(lines(repair.err()).get(0)).startsWith("error: --data-dir: empty");
  }

  @Test
  void theHelpListsTheExitCodesOfCliMd() throws IOException {
    CliRun help = cairn("--help");
    String doc = Files.readString(Path.of("..", "docs", "cli.md"), StandardCharsets.UTF_8);

    // The codes of cli.md's table, in order, and those of the help's footer.
    List<String> documented = new ArrayList<>();
    Matcher row = Pattern.compile("(?m)^\\| (\\d) \\|").matcher(doc);
    while (row.find()) {
      if (!documented.contains(row.group(1))) {
        documented.add(row.group(1));
      }
    }
    List<String> listed = new ArrayList<>();
    Matcher line = Pattern.compile("(?m)^  (\\d)  ").matcher(help.out());
    while (line.find()) {
      listed.add(line.group(1));
    }
    assertThat(help.exitCode()).isZero();
    assertThat(documented).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    assertThat(listed).isEqualTo(documented);
    assertThat(help.out()).contains("  8  refused: the server answered 401 or 403 (ACL token)");
  }

  /**
   * Every command's help reads well at 80 columns: the summary in the command list is a short
   * sentence, no line is wider, a hard-wrapped description line never spills over, and no word of a
   * description is broken in two by the wrap.
   */
  @Test
  void helpReadsWellAtEightyColumns() {
    List<String> problems = new ArrayList<>();
    check(CairnCommand.commandLine(), problems);

    assertThat(problems).isEmpty();
    assertThat(lines(cairn("--help").out()))
        .contains(
            "  cluster     Runs a local cluster in this process, to try a cluster out.",
            "  repair      Repairs a stopped server's damaged command log.");
  }

  private static void check(CommandLine commandLine, List<String> problems) {
    CommandSpec spec = commandLine.getCommandSpec();
    String name = spec.qualifiedName();
    if (name.equals("cairn help")) {
      return; // picocli's own
    }
    String help = commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF);
    String[] description = spec.usageMessage().description();
    if (description.length > 0 && (description[0].length() > 64 || !description[0].endsWith("."))) {
      problems.add(name + ": summary: " + description[0]);
    }
    for (String d : description) {
      if (d.length() > 80 && !d.matches(".*[.)]$")) {
        problems.add(name + ": a hard-wrapped line wider than 80: " + d);
      }
    }
    help.lines()
        .filter(l -> l.length() > 80)
        .forEach(l -> problems.add(name + ": wider than 80: " + l));
    List<String> texts = new ArrayList<>(Arrays.asList(description));
    for (ArgSpec arg : spec.args()) {
      if (!arg.hidden()) {
        texts.addAll(Arrays.asList(arg.renderedDescription()));
      }
    }
    for (String text : texts) {
      for (String word : text.split("\\s+")) {
        if (!word.isEmpty() && !help.contains(word)) {
          problems.add(name + ": broken word: " + word);
        }
      }
    }
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == spec) {
        check(sub, problems);
      }
    }
  }

  @Test
  void theNamespaceOptionIsOfferedOnlyWhereItMeansSomething() {
    for (String[] command :
        new String[][] {
          {"status"}, {"members"}, {"snapshot"}, {"acl", "bootstrap"}, {"acl", "token"}
        }) {
      String[] args = Arrays.copyOf(command, command.length + 1);
      args[command.length] = "--help";
      assertThat(cairn(args).out()).as(String.join(" ", command)).doesNotContain("--namespace");
    }
    for (String command : new String[] {"services", "instances", "register", "watch"}) {
      assertThat(cairn(command, "--help").out())
          .as(command)
          .contains("-n, --namespace=NAME   Namespace (default: the server's default namespace).");
    }
    CliRun status = cairn("status", "-n", "x", "--server", server.httpUri().toString());
    assertThat(status.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(lines(status.err()).get(0)).isEqualTo("error: unknown option '-n'");
    // audit without -n reads every namespace, and its help says so
    assertThat(cairn("audit", "--help").out())
        .contains("Only the writes in this namespace (default: every")
        .doesNotContain("server's default namespace");
  }

  @Test
  void theGrpcPortIsNotTheHttpApi() {
    InetSocketAddress grpc = server.grpcAddress();
    String url = "http://127.0.0.1:" + grpc.getPort();

    CliRun run = cairn("status", "--server", url);

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(run.err())
        .isEqualTo(
            "error: "
                + url
                + ": not a Cairn HTTP API (it does not answer HTTP/1.1; is this the gRPC"
                + " port?)\n");
  }

  @Test
  void aWebServerThatIsNotCairnIsNamedWithoutItsPage() throws IOException {
    HttpServer web =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    web.createContext(
        "/",
        exchange -> {
          byte[] page =
              "<html><body><h1>Not Found</h1>\n<p>nothing here</p></body></html>".getBytes();
          exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(
              exchange.getRequestURI().getPath().equals("/v1/status") ? 200 : 404, page.length);
          exchange.getResponseBody().write(page);
          exchange.close();
        });
    web.start();
    try {
      String url = "http://127.0.0.1:" + web.getAddress().getPort();

      CliRun services = cairn("services", "--server", url);
      CliRun status = cairn("status", "--server", url);
      CliRun watch = cairn("watch", "web", "--server", url, "--timeout", "5s");

      assertThat(services.exitCode()).as("%s", services).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(services.err())
          .isEqualTo("error: " + url + " answered 404 with text/html: not a Cairn server?\n");
      assertThat(status.exitCode()).as("%s", status).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(status.err())
          .isEqualTo("error: " + url + " answered 200 with text/html: not a Cairn server?\n");
      assertThat(watch.exitCode()).as("%s", watch).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(lines(watch.err()).get(0))
          .isEqualTo("error: " + url + " answered 404 with text/html: not a Cairn server?");
    } finally {
      web.stop(0);
    }
  }

  @Test
  void fileFailuresSayWhyWithoutJavaClassNames() {
    assertThat(Failures.describe(new NoSuchFileException("/x/y")))
        .isEqualTo("/x/y: no such file or directory");
    assertThat(Failures.describe(new AccessDeniedException("/x/ro/sub")))
        .isEqualTo("/x/ro/sub: permission denied");
    IOException wrapped =
        new IOException(
            "cannot read /x.pem: " + new NoSuchFileException("/x.pem"),
            new NoSuchFileException("/x.pem"));
    assertThat(Failures.describe(wrapped))
        .isEqualTo("cannot read /x.pem: no such file or directory");
  }

  @Test
  void aMissingTlsFileSaysWhy() {
    CliRun run =
        cairn("status", "--server", "https://127.0.0.1:1", "--tls-ca", "/nonexistent/ca.pem");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(run.err())
        .isEqualTo("error: TLS: cannot read /nonexistent/ca.pem: no such file or directory\n");
  }

  @Test
  void aMissingSnapshotFileSaysWhy() {
    CliRun run = cairn("snapshot", "restore", "/nonexistent/backup.json");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(lines(run.err()).get(0))
        .isEqualTo("error: FILE: cannot read /nonexistent/backup.json: no such file or directory");
  }

  @Test
  void membersOfASingleNodeAreNoPhantomRow() {
    CliRun run = cairn("members", "--server", server.httpUri().toString());

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out())
        .isEqualTo("single node (no cluster): " + server.httpUri() + " leads itself\n");
  }

  @Test
  void membersThroughAFollowerAndWithoutLeaderSayWhatIsUnknown() throws IOException {
    String follower =
        "{\"members\":[{\"id\":\"n1\",\"address\":\"127.0.0.1:7001\",\"role\":\"leader\","
            + "\"lastContactMillis\":12,\"matchIndex\":-1,\"lag\":-1},"
            + "{\"id\":\"n2\",\"address\":\"127.0.0.1:7002\",\"role\":\"follower\","
            + "\"lastContactMillis\":0,\"matchIndex\":-1,\"lag\":-1}]}";
    String leaderless =
        "{\"members\":[{\"id\":\"n1\",\"address\":\"127.0.0.1:7001\",\"role\":\"follower\","
            + "\"lastContactMillis\":-1,\"matchIndex\":-1,\"lag\":-1},"
            + "{\"id\":\"n2\",\"address\":\"127.0.0.1:7002\",\"role\":\"candidate\","
            + "\"lastContactMillis\":-1,\"matchIndex\":-1,\"lag\":-1}]}";
    String[] body = {follower};
    HttpServer fake =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    fake.createContext(
        "/v1/cluster/members",
        exchange -> {
          byte[] json = body[0].getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, json.length);
          exchange.getResponseBody().write(json);
          exchange.close();
        });
    fake.start();
    try {
      String url = "http://127.0.0.1:" + fake.getAddress().getPort();

      CliRun throughFollower = cairn("members", "--server", url);
      body[0] = leaderless;
      CliRun noLeader = cairn("members", "--server", url);

      assertThat(throughFollower.exitCode()).as("%s", throughFollower).isZero();
      assertThat(lines(throughFollower.out()))
          .containsExactly(
              "ID  ADDRESS         ROLE      LAST CONTACT  MATCH INDEX  LAG",
              "n1  127.0.0.1:7001  leader    12ms          -            -",
              "n2  127.0.0.1:7002  follower  0ms           -            -",
              "match index and lag: known only to the leader, n1");
      assertThat(noLeader.exitCode()).as("%s", noLeader).isZero();
      assertThat(lines(noLeader.out()))
          .containsExactly(
              "ID  ADDRESS         ROLE       LAST CONTACT  MATCH INDEX  LAG",
              "n1  127.0.0.1:7001  follower   -             -            -",
              "n2  127.0.0.1:7002  candidate  -             -            -",
              "no leader known (quorum lost?)");
    } finally {
      fake.stop(0);
    }
  }
}
