package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {

  @TempDir Path dataDir;

  @Test
  void aLockedDirectoryCannotBeLockedAgainUntilReleased() throws IOException {
    DataDirLock first = DataDirLock.acquire(dataDir);

    assertThatThrownBy(() -> DataDirLock.acquire(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessage("data directory " + dataDir + " is in use by another Cairn server");

    first.close();
    try (DataDirLock again = DataDirLock.acquire(dataDir)) {
      assertThat(dataDir.resolve(DataDirLock.FILE)).exists();
    }
  }

  @Test
  void aSecondCloseDoesNotReleaseTheNextHolder() throws IOException {
    DataDirLock first = DataDirLock.acquire(dataDir);
    first.close();
    DataDirLock second = DataDirLock.acquire(dataDir);

    first.close();

    assertThatThrownBy(() -> DataDirLock.acquire(dataDir)).hasMessageContaining("is in use");
    second.close();
  }

  @Test
  void theSameDirectoryByAnotherPathIsTheSameLock(@TempDir Path other) throws IOException {
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      Path roundabout = other.relativize(dataDir);

      assertThatThrownBy(() -> DataDirLock.acquire(other.resolve(roundabout)))
          .hasMessageContaining("is in use");
    }
  }
}
