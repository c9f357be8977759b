package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftIdentityTest {

  @TempDir Path dataDir;

  @Test
  void firstLoadCreatesAndLaterLoadsReadTheSameIdentity() throws IOException {
    RaftIdentity created = RaftIdentity.loadOrCreate(dataDir, "n1", null);
    RaftIdentity reloaded = RaftIdentity.loadOrCreate(dataDir, "n1", null);

    assertThat(reloaded).isEqualTo(created);
    assertThat(reloaded.peerId().toString()).isEqualTo("n1");
    try (Stream<Path> files = Files.list(dataDir)) {
      assertThat(files).containsExactly(dataDir.resolve(RaftIdentity.FILE));
    }
  }

  @Test
  void eachDataDirectoryGetsItsOwnGroup(@TempDir Path otherDir) throws IOException {
    assertThat(RaftIdentity.loadOrCreate(dataDir, "n1", null).groupId())
        .isNotEqualTo(RaftIdentity.loadOrCreate(otherDir, "n1", null).groupId());
  }

  @Test
  void anotherPeerIdIsRefused() throws IOException {
    RaftIdentity.loadOrCreate(dataDir, "n1", null);

    assertThatThrownBy(() -> RaftIdentity.loadOrCreate(dataDir, "n2", null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("node id \"n2\"")
        .hasMessageContaining("belongs to node \"n1\"");
  }

  @Test
  void damagedFileIsRefused() throws IOException {
    Files.writeString(dataDir.resolve(RaftIdentity.FILE), "groupId=nope\npeerId=n1\n");

    assertThatThrownBy(() -> RaftIdentity.loadOrCreate(dataDir, "n1", null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("groupId: \"nope\" (expected: a UUID)");
  }

  @Test
  void incompleteFileIsRefused() throws IOException {
    Files.writeString(dataDir.resolve(RaftIdentity.FILE), "peerId=n1\n");

    assertThatThrownBy(() -> RaftIdentity.loadOrCreate(dataDir, "n1", null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("groupId or peerId missing");
  }

  @Test
  void membersOfOneClusterShareItsGroupAndAnotherClustersDirectoryIsRefused() throws IOException {
    UUID group = RaftIdentity.clusterGroup("prod");
    assertThat(RaftIdentity.loadOrCreate(dataDir, "n1", group).groupId().getUuid())
        .isEqualTo(group)
        .isEqualTo(RaftIdentity.clusterGroup("prod"))
        .isNotEqualTo(RaftIdentity.clusterGroup("staging"));

    assertThatThrownBy(
            () -> RaftIdentity.loadOrCreate(dataDir, "n1", RaftIdentity.clusterGroup("staging")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("belongs to another Raft group")
        .hasMessageContaining(group.toString());
  }

  @Test
  void aSingleNodesDirectoryCannotJoinACluster() throws IOException {
    RaftIdentity.loadOrCreate(dataDir, "n1", null);

    assertThatThrownBy(
            () -> RaftIdentity.loadOrCreate(dataDir, "n1", RaftIdentity.clusterGroup("cairn")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("belongs to another Raft group");
  }
}
