package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.server.core.Registry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CairnServerFrontDoorTest {

  @Test
  void startsEachFrontDoorOnTheRegistryAndClosesItWithTheServer() throws IOException {
    List<SocketDoor> doors = new ArrayList<>();
    CairnServer server =
        CairnServer.builder()
            .inMemory()
            .grpcPort(0)
            .httpPort(0)
            .frontDoor(
                (registry, bind, security) -> add(doors, new SocketDoor("xds", registry, bind)))
            .frontDoor(
                (registry, bind, security) -> add(doors, new SocketDoor("consul", registry, bind)))
            .start();
    try (server) {
      assertThat(server.frontDoors()).containsExactlyElementsOf(doors);
      assertThat(doors).allSatisfy(d -> assertThat(d.registry).isSameAs(server.registry()));
      assertThat(server.listenerLines())
          .endsWith(
              "xds   listening on 127.0.0.1:" + doors.get(0).address().getPort(),
              "consul  listening on 127.0.0.1:" + doors.get(1).address().getPort());
      assertThat(doors).noneMatch(d -> d.socket.isClosed());
    }
    assertThat(doors).allMatch(d -> d.socket.isClosed());
  }

  @Test
  void aFrontDoorThatCannotStartClosesTheOnesBeforeItAndTheServer() {
    List<SocketDoor> doors = new ArrayList<>();
    CairnServer server =
        CairnServer.builder()
            .inMemory()
            .grpcPort(0)
            .httpPort(0)
            .frontDoor(
                (registry, bind, security) -> add(doors, new SocketDoor("xds", registry, bind)))
            .frontDoor(
                (registry, bind, security) -> {
                  throw new IOException("consul port in use");
                })
            .build();

    assertThatThrownBy(server::start)
        .isInstanceOf(IOException.class)
        .hasMessage("consul port in use");
    assertThat(doors).singleElement().satisfies(d -> assertThat(d.socket.isClosed()).isTrue());
    assertThat(server.whenClosed()).isCompleted();
  }

  private static SocketDoor add(List<SocketDoor> doors, SocketDoor door) {
    doors.add(door);
    return door;
  }

  /** A front door that only binds a port. */
  private static final class SocketDoor implements FrontDoor {
    final String protocol;
    final Registry registry;
    final ServerSocket socket;

    SocketDoor(String protocol, Registry registry, InetAddress bind) throws IOException {
      this.protocol = protocol;
      this.registry = registry;
      this.socket = new ServerSocket(0, 1, bind);
    }

    @Override
    public String protocol() {
      return protocol;
    }

    @Override
    public InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public String endpoint() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
