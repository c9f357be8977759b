package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
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
  void withJsonSaveAndRestoreEachPrintOneObject() throws Exception {
    source
        .registry()
        .register("default", Instance.builder("web", "10.0.0.1").id("web-1").build())
        .get(10, TimeUnit.SECONDS);
    Path file = dir.resolve("backup.json");

    CliRun save =
        cairn(
            "snapshot", "save", file.toString(), "--json", "--server", source.httpUri().toString());
    CliRun restore =
        cairn(
            "snapshot",
            "restore",
            file.toString(),
            "--json",
            "--server",
            target.httpUri().toString());

    assertThat(save.exitCode()).as("%s", save).isZero();
    JsonNode saved = HttpApi.parse(save.out().strip());
    assertThat(saved.path("saved").asText()).isEqualTo(file.toAbsolutePath().toString());
    assertThat(saved.path("revision").asLong()).isEqualTo(source.registry().revision());
    assertThat(saved.path("registryId").asText()).isEqualTo(source.registry().historyId());
    assertThat(saved.path("services").asInt()).isEqualTo(1);
    assertThat(saved.path("instances").asInt()).isEqualTo(1);
    assertThat(saved.path("ephemeralNotSaved").asInt()).isZero();
    assertThat(restore.exitCode()).as("%s", restore).isZero();
    JsonNode restored = HttpApi.parse(restore.out().strip());
    assertThat(restored.path("restored").asText()).isEqualTo(file.toString());
    assertThat(restored.path("revision").asLong()).isEqualTo(saved.path("revision").asLong());
    assertThat(restored.path("instances").asInt()).isEqualTo(1);
  }

  @Test
  void aRestoreIsNewWritesInTheTargetsHistoryUnderItsOwnRegistryId() throws Exception {
    source
        .registry()
        .register("default", Instance.builder("web", "10.0.0.1").id("web-1").build())
        .get(10, TimeUnit.SECONDS);
    Path file = dir.resolve("backup.json");
    assertThat(cairn("snapshot", "save", file.toString(), "--server", uri(source)).exitCode())
        .isZero();
    long removed =
        source.registry().deregister("default", "web", "web-1").get(10, TimeUnit.SECONDS);
    String id = source.registry().historyId();

    CliRun restore = cairn("snapshot", "restore", file.toString(), "--server", uri(source));

    // Into the registry it was saved from, at a later revision: the instance comes back as a new
    // write, after the removal, under the same registry id; nothing goes back (decision 0221).
    assertThat(restore.exitCode()).as("%s", restore).isZero();
    assertThat(restore.err()).doesNotContain("warning");
    Instance back = source.registry().service("default", "web").instances().get(0);
    assertThat(back.id()).isEqualTo("web-1");
    assertThat(back.createRevision()).isGreaterThan(removed);
    assertThat(source.registry().historyId()).isEqualTo(id);
  }

  @Test
  void aRestoreIntoAHistoryStartedAgainUnderTheBackupsIdSaysWhatClientsWillDo() throws Exception {
    Path data = dir.resolve("data");
    Path copy = dir.resolve("copy");
    Path file = dir.resolve("backup.json");
    String id;
    long saved;
    try (CairnServer first = durable(data)) {
      id = first.registry().historyId();
    }
    // A copy of its data directory taken early, put back after the backup: the same history, at
    // a revision below the backup's.
    copyTree(data, copy);
    try (CairnServer first = durable(data)) {
      for (int i = 1; i <= 3; i++) {
        first
            .registry()
            .register("default", Instance.builder("web", "10.0.0." + i).id("web-" + i).build())
            .get(10, TimeUnit.SECONDS);
      }
      assertThat(first.registry().historyId()).isEqualTo(id);
      saved = first.registry().revision();
      assertThat(cairn("snapshot", "save", file.toString(), "--server", uri(first)).exitCode())
          .isZero();
    }
    deleteTree(data);
    copyTree(copy, data);
    try (CairnServer again = durable(data)) {
      assertThat(again.registry().historyId()).isEqualTo(id);
      assertThat(again.registry().revision()).isLessThan(saved);

      CliRun restore = cairn("snapshot", "restore", file.toString(), "--server", uri(again));

      assertThat(restore.exitCode()).as("%s", restore).isZero();
      assertThat(restore.err())
          .contains("has the backup's registry id " + id + " at revision")
          .contains("below the backup's " + saved)
          .contains("Clients that saw the old history keep what they showed");
      assertThat(again.registry().service("default", "web").instances()).hasSize(3);
    }
  }

  @Test
  void aRestoreIntoARegistryRebuiltFromEmptyDataUnderItsIdentityIsAFreshHistory() throws Exception {
    Path data = dir.resolve("data");
    Path file = dir.resolve("backup.json");
    String id;
    try (CairnServer first = durable(data)) {
      first
          .registry()
          .register("default", Instance.builder("web", "10.0.0.1").id("web-1").build())
          .get(10, TimeUnit.SECONDS);
      id = first.registry().historyId();
      assertThat(cairn("snapshot", "save", file.toString(), "--server", uri(first)).exitCode())
          .isZero();
    }
    // Its data lost but its Raft identity kept, as a cluster rebuilt under its name keeps its Raft
    // group: the history that starts there has an epoch, and an id, of its own (decision 0222).
    try (var files = Files.list(data)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("cairn-raft.properties")) {
          deleteTree(f);
        }
      }
    }
    try (CairnServer again = durable(data)) {
      assertThat(again.registry().historyId()).isNotEmpty().isNotEqualTo(id);

      CliRun restore = cairn("snapshot", "restore", file.toString(), "--server", uri(again));

      assertThat(restore.exitCode()).as("%s", restore).isZero();
      assertThat(restore.err()).doesNotContain("warning");
      assertThat(again.registry().service("default", "web").instances()).hasSize(1);
    }
  }

  private static CairnServer durable(Path data) throws java.io.IOException {
    return CairnServer.builder().dataDir(data).httpPort(0).grpcPort(0).start();
  }

  private static String uri(CairnServerExtension server) {
    return server.httpUri().toString();
  }

  private static String uri(CairnServer server) {
    return "http://127.0.0.1:" + server.httpAddress().getPort();
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("cairn.lock")) {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
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
