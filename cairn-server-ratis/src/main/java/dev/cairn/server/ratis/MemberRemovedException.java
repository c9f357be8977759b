package dev.cairn.server.ratis;

import java.io.IOException;

/**
 * Thrown by a start when the data directory belongs to a member that was removed from its cluster:
 * it must not serve again (decision 0179). To rejoin, the member starts on a new, empty data
 * directory with {@code --join} and is added again with {@code cairn members add}.
 */
public final class MemberRemovedException extends IOException {

  private static final long serialVersionUID = 1L;

  public MemberRemovedException(String message) {
    super(message);
  }
}
