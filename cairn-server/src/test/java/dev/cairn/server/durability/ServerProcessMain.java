package dev.cairn.server.durability;

import dev.cairn.server.CairnServer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a durable server in its own process for {@link CrashRecoveryTest}: {@code <dataDir>}; prints
 * {@code READY <httpPort>} once it serves, then runs until killed.
 */
public final class ServerProcessMain {

  private ServerProcessMain() {}

  public static void main(String[] args) throws Exception {
    CairnServer server =
        CairnServer.builder().dataDir(Path.of(args[0])).httpPort(0).grpcPort(0).start();
    System.out.println("READY " + server.httpAddress().getPort());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
