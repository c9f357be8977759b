package dev.cairn.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The clients of {@link XdsFanOutBench}, run as a process of their own: {@code <port> <clients>}
 * opens that many connections with one ADS stream each, watching EDS for {@code hello}, and prints
 * {@code <version> <System.nanoTime()>} for every response, then ACKs it. Responses are handled on
 * the transport thread (direct executor), as a client's own code would be given them. Ends when its
 * standard input closes.
 */
public final class XdsWatchClients {

  private XdsWatchClients() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int clients = Integer.parseInt(args[1]);
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    List<ManagedChannel> channels = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
      channels.add(ch);
      Client client = new Client(out, "client-" + c);
      client.requests =
          AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(client);
      client.send("", "");
    }
    // The parent ends the clients by closing our standard input.
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing to read
      }
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }

  /** One ADS stream. */
  private static final class Client implements StreamObserver<DiscoveryResponse> {
    final PrintStream out;
    final Node node;
    StreamObserver<DiscoveryRequest> requests;

    Client(PrintStream out, String id) {
      this.out = out;
      this.node = Node.newBuilder().setId(id).setCluster("bench").build();
    }

    void send(String version, String nonce) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(XdsTestClient.EDS)
              .addResourceNames("hello")
              .setVersionInfo(version)
              .setResponseNonce(nonce)
              .build());
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      long now = System.nanoTime();
      synchronized (out) {
        out.print(r.getVersionInfo());
        out.print(' ');
        out.println(now);
        out.flush();
      }
      send(r.getVersionInfo(), r.getNonce());
    }

    @Override
    public void onError(Throwable t) {
      System.err.println("stream failed: " + t);
    }

    @Override
    public void onCompleted() {}
  }
}
