package dev.cairn.cli.internal;

/** The exit codes of {@code cairn}; documented in {@code docs/cli.md}. */
public final class ExitCode {

  /** The command did what it was asked. */
  public static final int OK = 0;

  /** The server answered with an error; its message is printed. */
  public static final int SERVER_ERROR = 1;

  /** The command line is wrong (picocli's default for usage errors). */
  public static final int USAGE = 2;

  /** {@code cairn server} could not start, e.g. a port is in use. */
  public static final int CANNOT_START = 3;

  /** The server could not be reached. */
  public static final int UNREACHABLE = 4;

  /** The server answered 404: the named service, instance or session does not exist. */
  public static final int NOT_FOUND = 5;

  /**
   * {@code cairn server} stopped by itself because it could no longer serve, e.g. its command log
   * failed; the server logged the cause at ERROR. A supervisor should restart it.
   */
  public static final int SERVER_FAILED = 6;

  /**
   * {@code cairn deregister --wait-drained}: the instance was removed, but some watchers had not
   * received the removal when the wait ended; they are listed.
   */
  public static final int NOT_DRAINED = 7;

  /**
   * The server refused the request (HTTP 401 or 403): no token, an unknown token or one without the
   * right (ACLs on), or a session's secret missing.
   */
  public static final int REFUSED = 8;

  /**
   * {@code cairn server} refused to start a cluster member that was removed from its cluster (its
   * data directory says so): restarting it cannot help, so a supervisor should not (systemd: {@code
   * RestartPreventExitStatus=9}). A member removed while it runs stops with {@link #OK}.
   */
  public static final int REMOVED = 9;

  /**
   * One line per code for {@code cairn --help}: the same codes and meanings as the table in {@code
   * docs/cli.md} (a test keeps them together).
   */
  static final java.util.List<String> SUMMARY =
      java.util.List.of(
          "0  ok (also cairn server when its member was removed and it stopped)",
          "1  the server answered with an error",
          "2  usage error: unknown command or option, bad or missing argument",
          "3  cannot start the server (port in use, storage, TLS), or out of memory;",
          "   cairn repair cannot repair",
          "4  the server cannot be reached, or is not a Cairn HTTP API",
          "5  not found (the server answered 404)",
          "6  cairn server stopped by itself: it can no longer write",
          "7  deregister --wait-drained: some watchers did not receive the removal",
          "8  refused: the server answered 401 or 403 (ACL token)",
          "9  cairn server: this member was removed from its cluster; do not restart");

  private ExitCode() {}
}
