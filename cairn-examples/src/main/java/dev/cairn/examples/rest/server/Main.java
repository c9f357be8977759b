package dev.cairn.examples.rest.server;

import dev.cairn.examples.rest.HelloServer;

/**
 * Runs one {@link HelloServer} ({@code -Dexample=rest.server}); arguments as {@link
 * HelloServer#main}, e.g. {@code -Dexec.args="--registries 127.0.0.1:8501"}.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    HelloServer.main(args);
  }
}
