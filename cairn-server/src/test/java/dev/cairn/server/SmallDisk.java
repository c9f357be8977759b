package dev.cairn.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real, small file system for a test: a tmpfs of a fixed size mounted on a directory, which the
 * test can fill to the last byte and free again. Mounting needs root (or CAP_SYS_ADMIN); where it
 * is not permitted, {@link #mount} aborts the test (skipped, saying why).
 */
final class SmallDisk implements AutoCloseable {

  private final Path dir;
  private final Path filler;

  private SmallDisk(Path dir) {
    this.dir = dir;
    this.filler = dir.resolve("filler");
  }

  /** Mounts a tmpfs of {@code bytes} on {@code dir} (created), or skips the test. */
  static SmallDisk mount(Path dir, long bytes) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p;
    try {
      p =
          new ProcessBuilder(
                  "mount",
                  "-t",
                  "tmpfs",
                  "-o",
                  "size=" + (bytes / 1024) + "k",
                  "tmpfs",
                  dir.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      Assumptions.abort("no mount command: " + e.getMessage());
      throw e;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    boolean done = p.waitFor(30, TimeUnit.SECONDS);
    Assumptions.assumeTrue(
        done && p.exitValue() == 0, () -> "cannot mount a small tmpfs here (needs root): " + out);
    return new SmallDisk(dir);
  }

  Path path() {
    return dir;
  }

  /** Writes a file until the file system has no byte left. */
  void fill() throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
    // What is left is smaller than a block: take it too.
    try (OutputStream out = Files.newOutputStream(filler.resolveSibling("filler-tail"))) {
      while (true) {
        out.write(0);
        out.flush();
      }
    } catch (IOException e) {
      // full
    }
  }

  /** Deletes what {@link #fill} wrote. */
  void free() throws IOException {
    Files.deleteIfExists(filler);
    Files.deleteIfExists(filler.resolveSibling("filler-tail"));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    new ProcessBuilder("umount", "-l", dir.toString())
        .inheritIO()
        .start()
        .waitFor(30, TimeUnit.SECONDS);
  }
}
