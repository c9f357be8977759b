package dev.cairn.client;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.stream.Collectors;

/** Helpers for tests that start and stop real servers themselves. */
final class Servers {

  private Servers() {}

  /** An in-memory server on loopback; {@code grpcPort} 0 for an ephemeral one. */
  static CairnServer start(int grpcPort) {
    try {
      return CairnServer.builder().inMemory().httpPort(0).grpcPort(grpcPort).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A loopback port that was free a moment ago. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A socket bound to a loopback port that never listens: its port refuses connections until it is
   * closed. A port merely closed before use, as {@link #freePort()} gives, can be bound again by
   * the next ephemeral listener, and then it answers.
   */
  static Socket refusedPort() {
    try {
      Socket holder = new Socket();
      holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return holder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String target(CairnServer server) {
    InetSocketAddress a = server.grpcAddress();
    return "127.0.0.1:" + a.getPort();
  }

  /** The ids of the instances {@code server} lists for {@code service}. */
  static List<String> ids(CairnServer server, String service) {
    return server.registry().service("default", service).instances().stream()
        .map(Instance::id)
        .collect(Collectors.toList());
  }

  static List<String> ids(List<Instance> instances) {
    return instances.stream().map(Instance::id).collect(Collectors.toList());
  }

  /** Threads whose name starts with {@code cairn-client-}. */
  static long clientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("cairn-client-"))
        .count();
  }

  static Instance instance(String service, String id) {
    return Instance.builder(service, "10.0.0.1").id(id).port("grpc", 9000).build();
  }
}
