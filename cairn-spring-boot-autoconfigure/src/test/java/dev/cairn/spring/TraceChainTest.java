package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.amqp.ConsumerOptions;
import dev.cairn.amqp.MessageHeaders;
import dev.cairn.amqp.Messaging;
import dev.cairn.amqp.Sender;
import dev.cairn.amqp.WorkQueue;
import dev.cairn.http.CairnHttpClient;
import dev.cairn.spring.grpc.CairnGrpcChannels;
import dev.cairn.spring.tracing.TraceContextSupplier;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * One trace crosses REST → gRPC → AMQP: the test calls {@code /front} with a {@code traceparent};
 * the application calls {@code http://chain/middle} with Cairn's REST client, which calls {@code
 * cairn:///chain} over gRPC, whose handler sends a message with Cairn's messaging; every hop
 * receives the caller's trace id with a new parent span. All hops cross real sockets (the
 * application registers itself and calls itself by name), with Brave as the tracer.
 */
class TraceChainTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  /** The traceparent each hop received, by hop. */
  static final Map<String, String> received = new ConcurrentHashMap<>();

  static final MethodDescriptor<String, String> RELAY =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Chain/Relay")
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  static final WorkQueue<String> QUEUE =
      WorkQueue.json(
          "test.trace-chain." + UUID.randomUUID().toString().substring(0, 8), String.class);

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(Hops.class)
  static class Chain {

    @Bean(destroyMethod = "close")
    Messaging messaging(TraceContextSupplier traceContext) {
      return Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:5672"))
          .connectionName("trace-chain")
          .traceContext(traceContext)
          .build();
    }

    @Bean
    BindableService relay(Messaging messaging) {
      Sender<String> sender = messaging.sender(QUEUE);
      return () ->
          ServerServiceDefinition.builder("test.Chain")
              .addMethod(
                  RELAY,
                  ServerCalls.asyncUnaryCall(
                      (request, response) -> {
                        sender.send("relayed " + request).join();
                        response.onNext("sent");
                        response.onCompleted();
                      }))
              .build();
    }

    /** Records the trace context the gRPC server received. */
    @Bean
    ServerInterceptor recordTraceparent() {
      Metadata.Key<String> key = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
      return new ServerInterceptor() {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
          received.put("grpc", String.valueOf(headers.get(key)));
          return next.startCall(call, headers);
        }
      };
    }
  }

  @RestController
  static class Hops {
    private final CairnHttpClient http;
    private final CairnGrpcChannels grpc;

    Hops(CairnHttpClient http, CairnGrpcChannels grpc) {
      this.http = http;
      this.grpc = grpc;
    }

    @GetMapping("/front")
    String front() throws Exception {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://chain/middle")).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }

    @GetMapping("/middle")
    String middle(@RequestHeader("traceparent") String traceparent) {
      received.put("rest", traceparent);
      return ClientCalls.blockingUnaryCall(
          grpc.channel("chain"),
          RELAY,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          "hello");
    }
  }

  @Test
  void oneTraceIdCrossesRestGrpcAndAmqp() throws Exception {
    List<String> p = Apps.base(server, "chain");
    p.add("cairn.grpc.server.port=0");
    p.add("management.tracing.sampling.probability=1.0");
    // The application watches its own service: let its view drain the last instance at once.
    p.add("cairn.removal-protection=false");
    try (ConfigurableApplicationContext app = Apps.servlet(Chain.class, p)) {
      Messaging messaging = app.getBean(Messaging.class);
      messaging.consume(
          QUEUE,
          ConsumerOptions.defaults(),
          m -> received.put("amqp", m.traceContext().get(MessageHeaders.TRACEPARENT)));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  app.getBean(dev.cairn.client.CairnClient.class).view("chain").instances().size()
                      == 1);

      String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      String parent = "00f067aa0ba902b7";
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + Apps.port(app) + "/front"))
                      .header("traceparent", "00-" + traceId + "-" + parent + "-01")
                      .timeout(Duration.ofSeconds(20))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("sent");
      await().atMost(Duration.ofSeconds(10)).until(() -> received.containsKey("amqp"));
      messaging.delete(QUEUE);

      assertThat(received).containsOnlyKeys("rest", "grpc", "amqp");
      for (String hop : List.of("rest", "grpc", "amqp")) {
        String[] parts = received.get(hop).split("-");
        assertThat(parts).as(hop + ": " + received.get(hop)).hasSize(4);
        assertThat(parts[1]).as(hop + " trace id").isEqualTo(traceId);
      }
      // Each hop hangs under a new span of the one before: the parents differ from each other
      // and from the caller's.
      assertThat(List.of(parent, span("rest"), span("grpc"), span("amqp"))).doesNotHaveDuplicates();
    }
  }

  private static String span(String hop) {
    return received.get(hop).split("-")[2];
  }

  /** UTF-8 strings as gRPC messages. */
  static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
