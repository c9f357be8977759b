package dev.cairn.examples.spring.caller;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * Calls {@code http://hello/hello} five times a second through an {@code @LoadBalanced} {@link
 * RestClient}: the instances come from Cairn's push-fed view, Cairn's P2C-EWMA balancer picks one.
 * Settings: {@code caller.properties}; {@code --calls=N} stops after N calls.
 */
@SpringBootApplication
public class Application {

  private static final Logger log = LoggerFactory.getLogger(Application.class);

  @Bean
  @LoadBalanced
  RestClient.Builder restClientBuilder() {
    return RestClient.builder();
  }

  @Bean
  ApplicationRunner callHello(RestClient.Builder builder) {
    RestClient hello = builder.build();
    return args -> {
      long calls =
          args.containsOption("calls") ? Long.parseLong(args.getOptionValues("calls").get(0)) : -1;
      for (long n = 1; calls < 0 || n <= calls; n++) {
        try {
          log.info("{}", hello.get().uri("http://hello/hello").retrieve().body(String.class));
        } catch (RuntimeException e) {
          log.warn("call failed: {}", e.toString());
        }
        Thread.sleep(Duration.ofMillis(200).toMillis()); // pacing of the demo loop
      }
    };
  }

  public static void main(String[] args) {
    new SpringApplicationBuilder(Application.class)
        .properties("spring.config.name=caller")
        .run(args);
  }
}
