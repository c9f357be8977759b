package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Instance;
import dev.cairn.spring.loadbalancer.CairnServiceInstanceListSupplier;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.loadbalancer.cache.DefaultLoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheProperties;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.env.MockEnvironment;

/**
 * A new instance reaches Spring's {@code DiscoveryClient} and Cairn's instance-list supplier by
 * push, with no cache to refresh, while Spring Cloud LoadBalancer's default supplier (the discovery
 * client's answer cached for 35 s) keeps serving the list it read before. Side by side, in one run;
 * prints the time from registration to visibility (docs/benchmarks.md).
 */
class DiscoveryPushTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}

  @Test
  void aNewInstanceIsSeenByPushWhileTheDefaultCachingSupplierStillServesTheOldList()
      throws Exception {
    List<String> p = Apps.base(server, "observer");
    p.add("cairn.registration.enabled=false");
    try (ConfigurableApplicationContext app = Apps.start(App.class, WebApplicationType.NONE, p);
        CairnClient registrar = CairnClient.builder().registries(server.grpcTarget()).build()) {
      DiscoveryClient discovery = app.getBean(DiscoveryClient.class);
      CairnClient client = app.getBean(CairnClient.class);
      ServiceInstanceListSupplier cairn =
          new CairnServiceInstanceListSupplier(
              "orders", client.view("orders"), Duration.ofSeconds(2));
      // Spring Cloud LoadBalancer's default: the discovery client's answer, cached (35 s TTL).
      LoadBalancerCacheProperties cacheProperties = new LoadBalancerCacheProperties();
      ServiceInstanceListSupplier defaults =
          new CachingServiceInstanceListSupplier(
              new DiscoveryClientServiceInstanceListSupplier(
                  discovery,
                  new MockEnvironment()
                      .withProperty(LoadBalancerClientFactory.PROPERTY_NAME, "orders")),
              new DefaultLoadBalancerCacheManager(cacheProperties));
      registrar.register(order("orders-0")).registered().get(10, TimeUnit.SECONDS);
      org.awaitility.Awaitility.await().until(() -> ids(cairn).size() == 1);
      assertThat(ids(defaults)).containsExactly("orders-0"); // read once, now cached
      assertThat(cacheProperties.getTtl()).isEqualTo(Duration.ofSeconds(35));

      List<Long> discoveryNanos = new ArrayList<>();
      List<Long> supplierNanos = new ArrayList<>();
      for (int n = 1; n <= 20; n++) {
        String id = "orders-" + n;
        Registration r = registrar.register(order(id));
        long start = System.nanoTime();
        r.registered().get(10, TimeUnit.SECONDS);
        // Busy reads, bounded by count: the push, not a refresh, makes the instance appear.
        long seenByDiscovery = waitFor(() -> discoveryIds(discovery).contains(id), start);
        long seenBySupplier = waitFor(() -> ids(cairn).contains(id), start);
        discoveryNanos.add(seenByDiscovery);
        supplierNanos.add(seenBySupplier);
        assertThat(seenByDiscovery).as("DiscoveryClient saw %s", id).isNotNegative();
        assertThat(seenBySupplier).as("Cairn's supplier saw %s", id).isNotNegative();
        // The default setup still serves what it cached before any of these registrations.
        assertThat(ids(defaults)).containsExactly("orders-0");
      }
      System.out.printf(
          "discovery push: DiscoveryClient sees a new instance after %s ms, the supplier after %s"
              + " ms (from the registration call; median, max of 20); the default caching"
              + " supplier still served the list it read before all of them (TTL %s)%n",
          medianMax(discoveryNanos), medianMax(supplierNanos), cacheProperties.getTtl());
    }
  }

  private static Instance order(String id) {
    return Instance.builder("orders", "127.0.0.1").id(id).port("http", 8080).build();
  }

  private static List<String> ids(ServiceInstanceListSupplier supplier) {
    return supplier.get().blockFirst().stream().map(ServiceInstance::getInstanceId).toList();
  }

  private static List<String> discoveryIds(DiscoveryClient discovery) {
    return discovery.getInstances("orders").stream().map(ServiceInstance::getInstanceId).toList();
  }

  /** Nanoseconds from {@code start} until {@code seen} holds; -1 after 10 s of reads. */
  private static long waitFor(java.util.function.BooleanSupplier seen, long start) {
    long limit = start + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < limit) {
      if (seen.getAsBoolean()) {
        return System.nanoTime() - start;
      }
      Thread.onSpinWait();
    }
    return -1;
  }

  private static String medianMax(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(null);
    return String.format(
        "%.1f, %.1f", sorted.get(sorted.size() / 2) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
  }
}
