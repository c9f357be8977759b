package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftIdentityTest {

  @TempDir Path dataDir;

  @Test
  void firstLoadCreatesAndLaterLoadsReadTheSameIdentity() throws IOException {
    RaftIdentity created = RaftIdentity.loadOrCreate(dataDir, "n1");
    RaftIdentity reloaded = RaftIdentity.loadOrCreate(dataDir, "n1");

    assertThat(reloaded).isEqualTo(created);
    assertThat(reloaded.peerId().toString()).isEqualTo("n1");
    try (Stream<Path> files = Files.list(dataDir)) {
      assertThat(files).containsExactly(dataDir.resolve(RaftIdentity.FILE));
    }
  }

  @Test
  void eachDataDirectoryGetsItsOwnGroup(@TempDir Path otherDir) throws IOException {
    assertThat(RaftIdentity.loadOrCreate(dataDir, "n1").groupId())
        .isNotEqualTo(RaftIdentity.loadOrCreate(otherDir, "n1").groupId());
  }

  @Test
  void anotherPeerIdIsRefused() throws IOException {
    RaftIdentity.loadOrCreate(dataDir, "n1");

    assertThatThrownBy(() -> RaftIdentity.loadOrCreate(dataDir, "n2"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("peerId: \"n2\" (expected: \"n1\"");
  }

  @Test
  void damagedFileIsRefused() throws IOException {
    Files.writeString(dataDir.resolve(RaftIdentity.FILE), "groupId=nope\npeerId=n1\n");

    assertThatThrownBy(() -> RaftIdentity.loadOrCreate(dataDir, "n1"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("groupId: \"nope\" (expected: a UUID)");
  }

  @Test
  void incompleteFileIsRefused() throws IOException {
    Files.writeString(dataDir.resolve(RaftIdentity.FILE), "peerId=n1\n");

    assertThatThrownBy(() -> RaftIdentity.loadOrCreate(dataDir, "n1"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("groupId or peerId missing");
  }
}
