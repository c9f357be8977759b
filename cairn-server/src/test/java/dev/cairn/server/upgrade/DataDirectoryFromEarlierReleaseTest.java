package dev.cairn.server.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single node's data directory as the release before history epochs wrote it (decision 0222),
 * upgraded in place: {@code single-node-before-epochs} is that release's {@code cairn server
 * --snapshot-every 3} directory after six writes (two instances of {@code web}, one removed, one
 * more; {@code api}'s protection threshold and one instance), its last snapshot at entry 5 and the
 * sixth write in its log only. That release answered with registry id {@link #OLD_ID}, revision 6.
 */
class DataDirectoryFromEarlierReleaseTest {

  /** The registry id the earlier release answered with: its Raft group id. */
  private static final String OLD_ID = "17ccd1be-7353-47c3-8b02-c5e695bcb6aa";

  /** How a snapshot with a history header starts (decision 0222). */
  private static final byte[] HEADER = {(byte) 0xCA, 0x1A, 'H', 'I', 'S', 'T', 'R', 'Y'};

  @TempDir Path dir;

  @Test
  void aSingleNodesDirectoryKeepsItsIdItsDataAndItsSnapshotFormat() throws Exception {
    Path data = copyFixture("single-node-before-epochs");

    try (CairnServer server = start(data)) {
      assertThat(server.registry().historyId()).isEqualTo(OLD_ID);
      assertThat(server.registry().revision()).isEqualTo(6);
      assertWritesOfTheEarlierRelease(server);
      server
          .registry()
          .register("default", Instance.builder("web", "127.0.0.5").id("web-4").build())
          .join();
    }

    try (CairnServer server = start(data)) {
      assertThat(server.registry().historyId())
          .as("no epoch for a history with state")
          .isEqualTo(OLD_ID);
      assertThat(server.registry().revision()).isEqualTo(7);
      assertWritesOfTheEarlierRelease(server);
      assertThat(server.registry().service("default", "web").instances())
          .extracting(Instance::id)
          .containsExactly("web-1", "web-3", "web-4");
    }
    // Snapshots stay as the earlier release reads them: a member of it can still catch up from one.
    List<Path> snapshots = snapshots(data);
    assertThat(snapshots).isNotEmpty();
    for (Path snapshot : snapshots) {
      try (InputStream in = Files.newInputStream(snapshot)) {
        assertThat(in.readNBytes(HEADER.length)).as(snapshot.toString()).isNotEqualTo(HEADER);
      }
    }
  }

  private static void assertWritesOfTheEarlierRelease(CairnServer server) {
    List<Instance> web = server.registry().service("default", "web").instances();
    assertThat(web).extracting(Instance::id).startsWith("web-1", "web-3").doesNotContain("web-2");
    Instance web1 = web.get(0);
    assertThat(web1.tags()).containsExactly("v1");
    assertThat(web1.metadata()).containsEntry("team", "shop");
    assertThat(web1.zone()).isEqualTo("z1");
    assertThat(server.registry().service("default", "api").instances())
        .extracting(Instance::id)
        .containsExactly("api-1");
    assertThat(server.registry().serviceConfig("default", "api").protectionThreshold())
        .isEqualTo(0.5);
  }

  private static CairnServer start(Path data) throws IOException {
    return CairnServer.builder().dataDir(data).snapshotEvery(3).grpcPort(0).httpPort(0).start();
  }

  private Path copyFixture(String name) throws IOException, URISyntaxException {
    Path from = Path.of(getClass().getResource(name).toURI());
    Path to = dir.resolve(name);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return to;
  }

  private static List<Path> snapshots(Path data) throws IOException {
    try (Stream<Path> files = Files.walk(data)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("snapshot."))
          .filter(p -> !p.getFileName().toString().endsWith(".md5"))
          .toList();
    }
  }
}
