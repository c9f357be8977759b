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

  private ExitCode() {}
}
