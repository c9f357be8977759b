package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * A rolling restart of three {@code hello} instances while a caller keeps calling them, side by
 * side: instances that only deregister before stopping, and instances that drain (deregister, wait
 * until every watcher has the removal, then stop). The caller watches through a slow link (its
 * registry connection delivers bytes {@value #LINK_DELAY_MILLIS} ms late), as a far-away watcher
 * would; it does not retry, so every call to a stopped instance is a failed call. With the drain: 0
 * failed calls. The failures without it are printed (docs/benchmarks.md), not asserted: how many
 * depends on timing.
 */
class RollingRestartDrainTest {

  static final long LINK_DELAY_MILLIS = 200;

  private static final List<String> CALLS = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The last instances of each side, closed after the caller (no watcher left to drain for). */
  private static final List<ConfigurableApplicationContext> LAST =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  /** The caller's client: the one watcher the drain waits for in this test. */
  static final AtomicReference<CairnClient> watcher = new AtomicReference<>();

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Caller {
    /**
     * On the JDK's HTTP client: Reactor Netty's default connection pool is global to the JVM, and
     * each hello application closing in this JVM would shut it down under the caller.
     */
    @Bean
    @LoadBalanced
    RestClient.Builder restClientBuilder() {
      return RestClient.builder().requestFactory(new JdkClientHttpRequestFactory());
    }
  }

  /** Hello, leaving by deregistering only: no wait for the watchers. */
  @Configuration(proxyBeanMethods = false)
  @Import(HelloApp.class)
  static class DeregisteringHello {
    @Bean
    RegistrationDrain drain() {
      return RegistrationDrain.deregisterOnly();
    }
  }

  /** Hello, leaving with the starter's default: the registry's confirmed drain. */
  @Configuration(proxyBeanMethods = false)
  @Import(HelloApp.class)
  static class DrainingHello {}

  @Test
  void aRollingRestartUnderLoadFailsNoCallWithTheDrain() throws Exception {
    try (TcpProxy slowLink = new TcpProxy(server.grpcAddress(), LINK_DELAY_MILLIS)) {
      List<String> p = Apps.base(server, "caller");
      p.set(1, "cairn.registries=" + slowLink.address());
      p.add("cairn.registration.enabled=false");
      p.add("spring.cloud.loadbalancer.retry.enabled=false");
      try (ConfigurableApplicationContext caller =
          Apps.start(Caller.class, WebApplicationType.NONE, p)) {
        watcher.set(caller.getBean(CairnClient.class));
        RestClient rest = caller.getBean(RestClient.Builder.class).build();
        // One service per side, so that the first side's last instances leaving cannot touch
        // the second's (the caller's removal guard holds back a removal that empties a service).
        int withoutDrain = rollingRestart(DeregisteringHello.class, "hello", rest);
        int withDrain = rollingRestart(DrainingHello.class, "hello-drained", rest);
        System.out.printf(
            "rolling restart of 3 instances under load, watcher %d ms away: %d failed calls"
                + " deregistering only, %d with the drain (calls: %s)%n",
            LINK_DELAY_MILLIS, withoutDrain, withDrain, CALLS);
        assertThat(withDrain).isZero();
      }
    } finally {
      LAST.forEach(ConfigurableApplicationContext::close);
    }
  }

  /** Starts 3 instances, restarts each in turn under load; returns the failed calls. */
  private static int rollingRestart(Class<?> hello, String service, RestClient rest)
      throws Exception {
    ServiceView view = watcher.get().view(service);
    List<ConfigurableApplicationContext> instances = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      instances.add(startHello(hello, service));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> view.instances().size() == 3);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Thread> load = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread =
          new Thread(
              () -> {
                // Bounded: stops when told, or after 200,000 calls.
                for (int n = 0; n < 200_000 && !stop.get(); n++) {
                  try {
                    rest.get().uri("http://" + service + "/hello").retrieve().body(String.class);
                    ok.incrementAndGet();
                  } catch (RuntimeException e) {
                    if (failed.incrementAndGet() <= 5) {
                      System.out.println(service + " failed call: " + e);
                    }
                  }
                }
              },
              "load-" + t);
      thread.start();
      load.add(thread);
    }
    try {
      for (int i = 0; i < 3; i++) {
        instances.get(i).close();
        instances.set(i, startHello(hello, service));
        await().atMost(Duration.ofSeconds(30)).until(() -> view.instances().size() == 3);
      }
    } finally {
      stop.set(true);
      for (Thread t : load) {
        t.join(30_000);
      }
      LAST.addAll(instances);
    }
    assertThat(ok.get()).isPositive();
    CALLS.add(service + " " + ok.get() + " ok");
    return failed.get();
  }

  private static ConfigurableApplicationContext startHello(Class<?> hello, String service) {
    List<String> p = Apps.base(server, service);
    p.add("server.shutdown=graceful");
    if (hello == DeregisteringHello.class) {
      // The common practice: deregister, then stop; no wait of any kind.
      p.add("cairn.registration.drain-quiet-period=0");
    }
    return Apps.servlet(hello, p);
  }
}
