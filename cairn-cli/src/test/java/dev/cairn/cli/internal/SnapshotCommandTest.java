package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.testing.CairnServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn snapshot save} from one server, {@code restore} into another. */
class SnapshotCommandTest {

  @RegisterExtension final CairnServerExtension source = CairnServerExtension.inMemory();
  @RegisterExtension final CairnServerExtension target = CairnServerExtension.inMemory();

  @TempDir Path dir;

  @Test
  void aSavedBackupRestoresThePersistentInstancesAndSettingsNotTheEphemeralOnes() throws Exception {
    source
        .registry()
        .register(
            "default",
            Instance.builder("web", "10.0.0.1")
                .id("web-1")
                .port("http", 8080)
                .tags(java.util.List.of("v1"))
                .metadata(java.util.Map.of("k", "v"))
                .zone("z1")
                .build())
        .get(10, TimeUnit.SECONDS);
    source
        .registry()
        .register("payments", Instance.builder("pay", "10.0.0.2").id("pay-1").build())
        .get(10, TimeUnit.SECONDS);
    source.registry().setProtectionThreshold("default", "web", 0.5).get(10, TimeUnit.SECONDS);
    // A service's setting is saved also while it holds no instance.
    source.registry().setProtectionThreshold("default", "idle", 0.3).get(10, TimeUnit.SECONDS);
    SessionInfo session =
        source.registry().openSession(Duration.ofSeconds(30), null, "t").get(10, TimeUnit.SECONDS);
    source
        .registry()
        .register(
            "default",
            Instance.builder("web", "10.0.0.3")
                .id("web-eph")
                .kind(dev.cairn.common.InstanceKind.EPHEMERAL)
                .sessionId(session.id())
                .build())
        .get(10, TimeUnit.SECONDS);
    Path file = dir.resolve("backup.json");

    CliRun save =
        cairn("snapshot", "save", file.toString(), "--server", source.httpUri().toString());
    assertThat(save.exitCode()).as("%s", save).isZero();
    assertThat(save.out()).contains("3 services, 2 persistent instances (1 ephemeral not saved)");
    assertThat(Files.readString(file)).contains("\"format\":\"cairn-snapshot-1\"");

    CliRun restore =
        cairn("snapshot", "restore", file.toString(), "--server", target.httpUri().toString());
    assertThat(restore.exitCode()).as("%s", restore).isZero();
    Instance web = target.registry().service("default", "web").instances().get(0);
    assertThat(target.registry().service("default", "web").instances()).hasSize(1);
    assertThat(web.id()).isEqualTo("web-1");
    assertThat(web.ports()).containsEntry("http", 8080);
    assertThat(web.tags()).containsExactly("v1");
    assertThat(web.metadata()).containsEntry("k", "v");
    assertThat(web.zone()).isEqualTo("z1");
    assertThat(target.registry().service("payments", "pay").instances())
        .extracting(Instance::id)
        .containsExactly("pay-1");
    assertThat(target.registry().serviceConfig("default", "web").protectionThreshold())
        .isEqualTo(0.5);
    assertThat(target.registry().serviceConfig("default", "idle").protectionThreshold())
        .isEqualTo(0.3);
  }

  @Test
  void aFileThatIsNotABackupIsRefusedNamingIt() throws Exception {
    Path file = dir.resolve("other.json");
    Files.writeString(file, "{\"format\":\"something-else\"}");

    CliRun restore =
        cairn("snapshot", "restore", file.toString(), "--server", target.httpUri().toString());

    assertThat(restore.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(restore.err()).contains("something-else").contains("cairn-snapshot-1");
  }

  @Test
  void aFileThatCannotBeWrittenIsAUsageErrorNamingIt() {
    Path file = dir.resolve("no-such-dir").resolve("backup.json");

    CliRun save =
        cairn("snapshot", "save", file.toString(), "--server", source.httpUri().toString());

    assertThat(save.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(save.err())
        .contains("FILE: cannot write " + file.toAbsolutePath() + ": no such file or directory");
  }

  @Test
  void aServerThatCannotBeReachedLeavesNoFileBehind() throws Exception {
    Path file = dir.resolve("backup.json");

    CliRun save = cairn("snapshot", "save", file.toString(), "--server", "http://127.0.0.1:1");

    assertThat(save.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }
}
