package dev.cairn.client;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (servers, clients, proxies, channels), closed together when it ends: in the
 * reverse of the order it was added, every one even when an earlier close fails; the first failure
 * is thrown, any later ones suppressed on it.
 */
public final class Closer implements AutoCloseable {

  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** Adds {@code c} to what {@link #close()} closes, and returns it. */
  public <T extends AutoCloseable> T add(T c) {
    toClose.add(c);
    return c;
  }

  @Override
  public void close() throws Exception {
    Exception failure = null;
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    toClose.clear();
    if (failure != null) {
      throw failure;
    }
  }
}
