package dev.cairn.server.ratis.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** fsync for files and directories. */
final class FileSync {

  private FileSync() {}

  /**
   * Forces {@code path} (a file, or a directory so that renames in it are durable) to disk.
   * Directories cannot be opened on every platform; there the call does nothing.
   */
  static void force(Path path) throws IOException {
    boolean dir = Files.isDirectory(path);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      if (!dir) {
        throw e;
      }
    }
  }
}
