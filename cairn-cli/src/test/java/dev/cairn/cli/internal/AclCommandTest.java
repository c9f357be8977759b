package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.CairnServerExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cairn acl ...} against a server with ACLs on, and {@code --token} on client commands. */
class AclCommandTest {

  @RegisterExtension
  final CairnServerExtension server = CairnServerExtension.inMemory().configure(b -> b.acl(true));

  private String url() {
    return server.httpUri().toString();
  }

  private static String lastLine(String out) {
    List<String> lines = out.strip().lines().toList();
    return lines.get(lines.size() - 1);
  }

  @Test
  void bootstrapPrintsTheSecretAloneOnTheLastLineOnce() {
    CliRun first = cairn("acl", "bootstrap", "--server", url());
    assertThat(first.exitCode()).as("%s", first).isZero();
    String secret = lastLine(first.out());
    assertThat(secret).matches("[A-Za-z0-9_-]{43}");
    assertThat(server.registry().acls().authorizer(secret).allowsEverything()).isTrue();

    CliRun second = cairn("acl", "bootstrap", "--server", url());
    assertThat(second.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
    assertThat(second.err()).contains("already bootstrapped");
  }

  @Test
  void policiesAndTokensAreCreatedListedAndDeleted() {
    String root = lastLine(cairn("acl", "bootstrap", "--server", url()).out());

    CliRun policy =
        cairn(
            "acl",
            "policy",
            "create",
            "readers",
            "--rule",
            "service:read:*:",
            "--rule",
            "cluster:read",
            "--description",
            "read all",
            "--server",
            url(),
            "--token",
            root);
    assertThat(policy.exitCode()).as("%s", policy).isZero();
    assertThat(policy.out()).contains("created policy readers at revision");
    CliRun policies = cairn("acl", "policy", "list", "--server", url(), "--token", root);
    assertThat(policies.out()).contains("readers", "service:read:*:", "cluster:read");

    CliRun token =
        cairn(
            "acl",
            "token",
            "create",
            "--policy",
            "readers",
            "--description",
            "dashboards",
            "--server",
            url(),
            "--token",
            root);
    assertThat(token.exitCode()).as("%s", token).isZero();
    String reader = lastLine(token.out());
    assertThat(reader).matches("[A-Za-z0-9_-]{43}");

    // The reader's token on a client command; without a token the server refuses.
    assertThat(cairn("status", "--server", url(), "--token", reader).exitCode()).isZero();
    CliRun anonymous = cairn("status", "--server", url());
    assertThat(anonymous.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(anonymous.err()).contains("token: missing");
    CliRun denied =
        cairn(
            "register",
            "web",
            "--id",
            "w1",
            "--address",
            "10.0.0.1",
            "--server",
            url(),
            "--token",
            reader);
    assertThat(denied.exitCode()).as("%s", denied).isEqualTo(ExitCode.REFUSED);

    CliRun list = cairn("acl", "token", "list", "--server", url(), "--token", root);
    assertThat(list.out()).contains("dashboards", "readers").doesNotContain(reader);
    String accessor =
        list.out()
            .lines()
            .filter(l -> l.contains("dashboards"))
            .findFirst()
            .orElseThrow()
            .split(" ")[0];
    CliRun deleted = cairn("acl", "token", "delete", accessor, "--server", url(), "--token", root);
    assertThat(deleted.exitCode()).as("%s", deleted).isZero();
    assertThat(cairn("status", "--server", url(), "--token", reader).exitCode())
        .isEqualTo(ExitCode.REFUSED);
    assertThat(
            cairn("acl", "policy", "delete", "readers", "--server", url(), "--token", root)
                .exitCode())
        .isZero();
  }

  @Test
  void aMalformedRuleIsAUsageError() {
    CliRun bad = cairn("acl", "policy", "create", "p", "--rule", "service", "--server", url());
    assertThat(bad.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(bad.err()).contains("--rule");
  }

  // Decision 0164: a scoped rule without its scope would be a grant on every service of every
  // namespace; it has to be spelled out.
  @Test
  void aServiceRuleWithoutItsScopeIsAUsageErrorShowingTheForm() {
    for (String rule :
        List.of("service:write", "service:read::", "health:write", "settings:read::x")) {
      CliRun bad = cairn("acl", "policy", "create", "p", "--rule", rule, "--server", url());
      assertThat(bad.exitCode()).as("%s: %s", rule, bad).isEqualTo(ExitCode.USAGE);
      String resource = rule.substring(0, rule.indexOf(':'));
      String access = rule.split(":")[1];
      assertThat(bad.err())
          .contains("--rule: \"" + rule + "\"", resource + ":" + access + ":*:", "NAMESPACE");
    }
    assertThat(server.registry().acls().policies()).isEmpty();
  }

  @Test
  void aTokenWithoutAPolicyIsAUsageError() {
    String root = lastLine(cairn("acl", "bootstrap", "--server", url()).out());
    CliRun none = cairn("acl", "token", "create", "--server", url(), "--token", root);
    assertThat(none.exitCode()).as("%s", none).isEqualTo(ExitCode.USAGE);
    assertThat(none.err()).contains("--policy", "global-management");
    assertThat(server.registry().acls().tokens()).hasSize(1);
  }

  // An operator's test: tokens linked policies by name, so creating a policy under a deleted one's
  // name gave the old tokens its rights — here cluster and acl write, enough to make a management
  // token.
  @Test
  void aPolicyCreatedUnderADeletedOnesNameGivesNothingToItsOldTokens() {
    String root = lastLine(cairn("acl", "bootstrap", "--server", url()).out());
    assertThat(
            cairn(
                    "acl",
                    "policy",
                    "create",
                    "tmp",
                    "--rule",
                    "service:read:default:web",
                    "--server",
                    url(),
                    "--token",
                    root)
                .exitCode())
        .isZero();
    CliRun made =
        cairn(
            "acl",
            "token",
            "create",
            "--policy",
            "tmp",
            "--description",
            "old",
            "--server",
            url(),
            "--token",
            root);
    assertThat(made.exitCode()).as("%s", made).isZero();
    assertThat(made.out()).contains("(policies: tmp)");
    String old = lastLine(made.out());

    CliRun deleted = cairn("acl", "policy", "delete", "tmp", "--server", url(), "--token", root);
    assertThat(deleted.exitCode()).as("%s", deleted).isZero();
    String listed =
        cairn("acl", "token", "list", "--server", url(), "--token", root)
            .out()
            .lines()
            .filter(l -> l.contains("old"))
            .findFirst()
            .orElseThrow();
    assertThat(listed).contains("(none)").doesNotContain("tmp");
    assertThat(cairn("status", "--server", url(), "--token", old).exitCode())
        .isEqualTo(ExitCode.REFUSED);

    CliRun again =
        cairn(
            "acl",
            "policy",
            "create",
            "tmp",
            "--rule",
            "cluster:write",
            "--rule",
            "acl:write",
            "--server",
            url(),
            "--token",
            root);
    assertThat(again.exitCode()).as("%s", again).isZero();

    assertThat(cairn("status", "--server", url(), "--token", old).exitCode())
        .isEqualTo(ExitCode.REFUSED);
    CliRun escalate =
        cairn(
            "acl",
            "token",
            "create",
            "--policy",
            "global-management",
            "--server",
            url(),
            "--token",
            old);
    assertThat(escalate.exitCode()).as("%s", escalate).isEqualTo(ExitCode.REFUSED);
    assertThat(server.registry().acls().tokens()).hasSize(2);
  }

  // Decision 0217: a watch whose token is deleted ends, saying so, with the refusal's exit code.
  @Test
  void aWatchWhoseTokenIsDeletedEndsWithTheServersReason() throws Exception {
    var registry = server.registry();
    registry
        .register("default", dev.cairn.common.Instance.builder("web", "10.0.0.1").id("w1").build())
        .join();
    registry
        .acls()
        .createPolicy(
            new dev.cairn.server.core.acl.Policy(
                "web-reader",
                "",
                List.of(
                    new dev.cairn.server.core.acl.Rule(
                        dev.cairn.server.core.acl.Resource.SERVICE,
                        "default",
                        "web",
                        dev.cairn.server.core.acl.Access.READ))))
        .join();
    var issued = registry.acls().createToken("watcher", List.of("web-reader")).join();
    int before = registry.watcherCount();
    var run =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> cairn("watch", "web", "--server", url(), "--token", issued.secret(), "--json"));
    org.awaitility.Awaitility.await().until(() -> registry.watcherCount() > before);

    registry.acls().deleteToken(issued.token().accessorId()).join();
    registry
        .register("default", dev.cairn.common.Instance.builder("web", "10.0.0.2").id("w2").build())
        .join();

    CliRun watch = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(watch.exitCode()).as("%s", watch).isEqualTo(ExitCode.REFUSED);
    assertThat(watch.err())
        .contains("error: the server ended the watch: token: unknown", "token was deleted");
    assertThat(watch.out()).contains("w1").doesNotContain("w2", "10.0.0.2");
  }
}
