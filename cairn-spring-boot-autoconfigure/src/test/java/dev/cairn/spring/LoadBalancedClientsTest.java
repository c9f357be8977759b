package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.spring.loadbalancer.CairnReactorLoadBalancer;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * {@code @LoadBalanced} RestClient, WebClient and RestTemplate call {@code http://hello/hello}
 * through Cairn, and a RestClient loop keeps 0 failed calls while an instance is killed with {@code
 * kill -9}.
 */
class LoadBalancedClientsTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  private static final List<HelloProcess> hellos = new ArrayList<>();
  private static ConfigurableApplicationContext caller;

  /** A caller with no web server of its own. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Caller {
    @Bean
    @LoadBalanced
    RestClient.Builder restClientBuilder() {
      return RestClient.builder();
    }

    @Bean
    @LoadBalanced
    WebClient.Builder webClientBuilder() {
      return WebClient.builder();
    }

    @Bean
    @LoadBalanced
    RestTemplate restTemplate() {
      return new RestTemplate();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    for (int i = 1; i <= 3; i++) {
      hellos.add(HelloProcess.start(server.grpcTarget(), "hello-" + i));
    }
    List<String> p = Apps.base(server, "caller");
    p.add("cairn.registration.enabled=false");
    caller = Apps.start(Caller.class, WebApplicationType.NONE, p);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (caller != null) {
      caller.close();
    }
    for (HelloProcess h : hellos) {
      h.close();
    }
  }

  @Test
  void restClientWebClientAndRestTemplateCallHelloByName() {
    RestClient rest = caller.getBean(RestClient.Builder.class).build();
    assertThat(rest.get().uri("http://hello/hello").retrieve().body(String.class))
        .contains("\"message\":\"Hello, World!\"");
    WebClient web = caller.getBean(WebClient.Builder.class).build();
    assertThat(web.get().uri("http://hello/hello").retrieve().bodyToMono(String.class).block())
        .contains("\"message\":\"Hello, World!\"");
    RestTemplate template = caller.getBean(RestTemplate.class);
    assertThat(template.getForObject("http://hello/hello", String.class))
        .contains("\"message\":\"Hello, World!\"");
    // Cairn's balancer picked them: its endpoints are the view's instances.
    Object lb = caller.getBean(LoadBalancerClientFactory.class).getInstance("hello");
    assertThat(lb).isInstanceOf(CairnReactorLoadBalancer.class);
    assertThat(((CairnReactorLoadBalancer) lb).balancer().endpoints())
        .extracting(e -> e.id())
        .containsExactlyElementsOf(
            caller.getBean(CairnClient.class).view("hello").instances().stream()
                .map(i -> i.id())
                .toList());
  }

  @Test
  void aRestClientLoopKeepsZeroFailedCallsWhileAnInstanceIsKilled() throws Exception {
    RestClient rest = caller.getBean(RestClient.Builder.class).build();
    CairnClient client = caller.getBean(CairnClient.class);
    await().until(() -> client.view("hello").instances().size() == 3);
    Map<String, Integer> answeredBy = new HashMap<>();
    int failures = 0;
    int calls = 0;
    HelloProcess victim = hellos.get(0);
    boolean killed = false;
    int callsAfterRemoval = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    // Bounded: 60 calls before the kill, then until 100 calls after the view dropped the victim.
    while (callsAfterRemoval < 100 && System.nanoTime() < deadline) {
      if (!killed && calls == 60) {
        victim.kill();
        killed = true;
      }
      calls++;
      try {
        String body = rest.get().uri("http://hello/hello").retrieve().body(String.class);
        String instance = body.replaceAll(".*\"instance\":\"([^\"]+)\".*", "$1");
        answeredBy.merge(killed ? instance + " after kill" : instance, 1, Integer::sum);
      } catch (RuntimeException e) {
        failures++;
      }
      if (killed && client.view("hello").instances().size() == 2) {
        callsAfterRemoval++;
      }
    }
    assertThat(failures).as("failed calls of %s, answered by %s", calls, answeredBy).isZero();
    assertThat(callsAfterRemoval).isEqualTo(100);
    assertThat(answeredBy).containsKey(victim.id);
    assertThat(answeredBy).doesNotContainKey(victim.id + " after kill");
    hellos.remove(victim);
  }
}
