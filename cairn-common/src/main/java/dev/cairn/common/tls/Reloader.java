package dev.cairn.common.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A value made from the contents of some files, made again when the contents change. The files are
 * read at most once per check interval, on the thread that asks for the value (a TLS handshake), so
 * that nothing runs while no connection is made; a file rewritten in place or swapped through a
 * symbolic link is seen alike. Thread-safe.
 */
final class Reloader<T> {

  private final Path[] files;
  private final String what;
  private final BiFunction<byte[][], T, T> loader;
  private final long intervalNanos;
  private final ReloadListener listener;
  private final Function<T, String> describe;
  private volatile T current;
  private volatile long nextCheckNanos;
  // Guarded by this.
  private byte[][] loaded;
  private byte[][] failed;
  private byte[][] pending; // refused for now (Pending): tried again, reported once
  private boolean unreadable;

  /**
   * A refusal of contents that may become usable without changing (a certificate not valid yet
   * while the current one is): the files are tried again at each check, and reported once.
   */
  static final class Pending extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Pending(String message) {
      super(message);
    }
  }

  /**
   * Reads and loads the files now. The loader is given the contents, in the order of {@code files},
   * and the value it replaces (null the first time).
   *
   * @throws IOException when a file cannot be read
   * @throws IllegalArgumentException when the loader refuses the contents
   */
  Reloader(
      String what,
      BiFunction<byte[][], T, T> loader,
      Duration checkInterval,
      ReloadListener listener,
      Path... files)
      throws IOException {
    this(what, loader, checkInterval, listener, null, files);
  }

  /**
   * Like the constructor above; {@code describe} (null: nothing) says what a reload took in, after
   * {@code what} in what the listener is told.
   */
  Reloader(
      String what,
      BiFunction<byte[][], T, T> loader,
      Duration checkInterval,
      ReloadListener listener,
      Function<T, String> describe,
      Path... files)
      throws IOException {
    this.files = files.clone();
    this.what = what;
    this.loader = loader;
    this.intervalNanos = checkInterval.toNanos();
    this.listener = listener;
    this.describe = describe;
    byte[][] contents = read();
    this.current = loader.apply(contents, null);
    this.loaded = contents;
    this.nextCheckNanos = System.nanoTime() + intervalNanos;
  }

  /** The value, made again first if the check interval passed and the files changed. */
  T current() {
    if (System.nanoTime() - nextCheckNanos >= 0) {
      check();
    }
    return current;
  }

  private synchronized void check() {
    long now = System.nanoTime();
    if (now - nextCheckNanos < 0) {
      return;
    }
    nextCheckNanos = now + intervalNanos;
    byte[][] contents;
    try {
      contents = read();
    } catch (IOException e) {
      if (!unreadable) {
        unreadable = true;
        listener.reloadFailed(what, e);
      }
      return;
    }
    unreadable = false;
    if (Arrays.deepEquals(contents, loaded) || Arrays.deepEquals(contents, failed)) {
      return;
    }
    try {
      current = loader.apply(contents, current);
      loaded = contents;
      failed = null;
      pending = null;
      listener.reloaded(describe == null ? what : what + " (" + describe.apply(current) + ")");
    } catch (RuntimeException e) {
      boolean reported = Arrays.deepEquals(contents, pending);
      if (e instanceof Pending) {
        pending = contents;
      } else {
        failed = contents;
        pending = null;
      }
      if (!reported) {
        listener.reloadFailed(what, e);
      }
    }
  }

  private byte[][] read() throws IOException {
    byte[][] contents = new byte[files.length][];
    for (int i = 0; i < files.length; i++) {
      try {
        contents[i] = Files.readAllBytes(files[i]);
      } catch (IOException e) {
        throw new IOException("cannot read " + files[i] + ": " + e, e);
      }
    }
    return contents;
  }
}
