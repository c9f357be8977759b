package dev.cairn.server.internal;

/** Facts about this build of the server, shown by the status endpoints. */
public final class BuildInfo {

  /** The server's version. */
  public static final String VERSION = "0.1.0-SNAPSHOT";

  private BuildInfo() {}
}
