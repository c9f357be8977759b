package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.core.Author;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.testing.CairnServerExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cairn audit}: the latest writes and their authors (decision 0171). */
class AuditCommandTest {

  @RegisterExtension
  final CairnServerExtension server = CairnServerExtension.inMemory().configure(b -> b.acl(true));

  private String url() {
    return server.httpUri().toString();
  }

  @Test
  void showsTheLatestWritesWithTheirAuthorsFilteredByServiceAndLimited() {
    List<String> lines =
        cairn("acl", "bootstrap", "--server", url()).out().strip().lines().toList();
    String root = lines.get(lines.size() - 1);
    var registry = server.registry();
    registry
        .register(
            "",
            Instance.builder("web", "10.0.0.1").id("web-1").build(),
            SessionAccess.anySession(),
            Author.of("acc-ci", "10.9.8.7:4242"))
        .join();
    registry.register("", Instance.builder("db", "10.0.0.2").id("db-1").build()).join();

    CliRun all = cairn("audit", "--server", url(), "--token", root);
    assertThat(all.exitCode()).as("%s", all).isZero();
    List<String> out = all.out().strip().lines().toList();
    assertThat(out.get(0))
        .contains("REVISION", "TIME", "OPERATION", "TARGET", "TOKEN", "SESSION", "FROM");
    assertThat(out.get(1)).contains("register", "default/db/db-1", "(server)");
    assertThat(out.get(2)).contains("register", "default/web/web-1", "acc-ci", "10.9.8.7:4242");
    assertThat(out.get(3)).contains("create-token", "127.0.0.1:");

    CliRun web = cairn("audit", "--service", "web", "--server", url(), "--token", root);
    assertThat(web.out().strip().lines()).hasSize(2);
    CliRun one = cairn("audit", "--limit", "1", "--server", url(), "--token", root, "--json");
    assertThat(one.out()).contains("\"writes\":[{").contains("db-1").doesNotContain("web-1");
    CliRun none = cairn("audit", "--service", "nothing", "--server", url(), "--token", root);
    assertThat(none.out()).contains("no writes recorded for nothing");
  }

  @Test
  void aBadLimitIsAUsageErrorAndATokenWithoutAclReadIsRefused() {
    CliRun bad = cairn("audit", "--limit", "0", "--server", url());
    assertThat(bad.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(bad.err()).contains("--limit");

    CliRun anonymous = cairn("audit", "--server", url());
    assertThat(anonymous.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(anonymous.err()).contains("token");
  }
}
