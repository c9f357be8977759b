package dev.cairn.examples.rest.client;

import dev.cairn.examples.rest.HelloClient;

/**
 * Runs the {@link HelloClient} loop ({@code -Dexample=rest.client}); arguments as {@link
 * HelloClient#main}.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    HelloClient.main(args);
  }
}
