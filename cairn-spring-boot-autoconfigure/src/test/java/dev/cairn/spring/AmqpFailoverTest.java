package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot's AMQP connection factory takes its broker addresses from Cairn's {@code rabbitmq}
 * instances and fails over when the one it uses leaves: two addresses of the shared broker (two TCP
 * proxies started here; the broker itself is never stopped).
 */
class AmqpFailoverTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  private static final InetSocketAddress BROKER = new InetSocketAddress("127.0.0.1", 5672);

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}

  @Test
  void connectionsFollowTheRegisteredBrokers() throws Exception {
    try (TcpProxy a = new TcpProxy(BROKER);
        TcpProxy b = new TcpProxy(BROKER);
        CairnClient brokers = CairnClient.builder().registries(server.grpcTarget()).build()) {
      Registration first = brokers.register(broker("broker-a", a.port()));
      first.registered().get(10, TimeUnit.SECONDS);
      List<String> p = Apps.base(server, "worker");
      p.add("cairn.registration.enabled=false");
      // The configured address is a dead port: only Cairn's brokers can work.
      p.add("spring.rabbitmq.host=127.0.0.1");
      p.add("spring.rabbitmq.port=1");
      try (ConfigurableApplicationContext app = Apps.start(App.class, WebApplicationType.NONE, p)) {
        CachingConnectionFactory factory = app.getBean(CachingConnectionFactory.class);
        RabbitTemplate rabbit = app.getBean(RabbitTemplate.class);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> app.getBean(CairnClient.class).view("rabbitmq").instances().size() == 1);
        assertThat(declareAndPort(rabbit, factory)).isEqualTo(a.port());

        // A second broker address registers, the first leaves and its connections drop. The first
        // leaves only once the application's view shows both: were the second's arrival and the
        // first's removal to reach the view in one update, that update would remove all it showed,
        // which the view's removal guard holds back until a registry read 10 s later confirms it
        // (a batch the registry makes or not depending on timing).
        brokers.register(broker("broker-b", b.port())).registered().get(10, TimeUnit.SECONDS);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> brokerIds(app), equalTo(List.of("broker-a", "broker-b")));
        first.deregister().get(10, TimeUnit.SECONDS);
        // Awaited as values, so that a timeout says what the application's view held.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> brokerIds(app), equalTo(List.of("broker-b")));
        a.close();
        await()
            .atMost(Duration.ofSeconds(20))
            .ignoreExceptions()
            .until(() -> declareAndPort(rabbit, factory) == b.port());
      }
    }
  }

  @Test
  void withNoBrokerRegisteredTheConfiguredAddressIsTheFallback() throws Exception {
    List<String> p = Apps.base(server, "worker");
    p.add("cairn.registration.enabled=false");
    p.add("spring.rabbitmq.host=127.0.0.1");
    p.add("spring.rabbitmq.port=5672");
    p.add("cairn.amqp.service=no-broker-here");
    try (ConfigurableApplicationContext app = Apps.start(App.class, WebApplicationType.NONE, p)) {
      CachingConnectionFactory factory = app.getBean(CachingConnectionFactory.class);
      assertThat(factory.getRabbitConnectionFactory()).isNotNull();
      assertThat(declareAndPort(app.getBean(RabbitTemplate.class), factory)).isEqualTo(5672);
    }
  }

  /** The ids of the {@code rabbitmq} instances the application's client sees, in its order. */
  private static List<String> brokerIds(ConfigurableApplicationContext app) {
    return app.getBean(CairnClient.class).view("rabbitmq").instances().stream()
        .map(Instance::id)
        .toList();
  }

  /** Declares a server-named, exclusive, auto-deleted queue; returns the connection's port. */
  private static int declareAndPort(RabbitTemplate rabbit, CachingConnectionFactory factory) {
    String queue = rabbit.execute(channel -> channel.queueDeclare().getQueue());
    assertThat(queue).startsWith("amq.gen-");
    try (Connection c = factory.createConnection()) {
      return c.getDelegate().getPort();
    }
  }

  private static Instance broker(String id, int port) {
    return Instance.builder("rabbitmq", "127.0.0.1").id(id).port("amqp", port).build();
  }
}
