package dev.cairn.compat.spring;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A plain Spring Boot web app, the kind a team runs: what discovery library it uses (Spring Cloud
 * Consul or Netflix Eureka) and where it points are properties only. Started in the test's JVM, or
 * in a child JVM by {@link #main} when a test needs to {@code kill -9} it.
 */
@SpringBootApplication
@RestController
public class HelloApp {

  private final ObjectProvider<DiscoveryClient> discovery;

  public HelloApp(ObjectProvider<DiscoveryClient> discovery) {
    this.discovery = discovery;
  }

  @GetMapping("/hello")
  public String hello() {
    return "hello";
  }

  /** What this app's discovery client knows of {@code service}: {@code host:port} each. */
  @GetMapping("/instances/{service}")
  public List<String> instances(@PathVariable("service") String service) {
    return discovery.getObject().getInstances(service).stream()
        .map(i -> i.getHost() + ":" + i.getPort())
        .toList();
  }

  /** Starts the app with {@code properties} ({@code name=value}); Spring's logging stays off. */
  public static ConfigurableApplicationContext start(String... properties) {
    System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    List<String> args = new ArrayList<>();
    for (String p : properties) {
      args.add("--" + p);
    }
    args.add("--spring.main.banner-mode=off");
    args.add("--server.port=0");
    args.add("--server.address=127.0.0.1");
    return SpringApplication.run(HelloApp.class, args.toArray(String[]::new));
  }

  /**
   * Child JVM entry point: starts with {@code args} as properties, prints "started", runs until
   * killed.
   */
  public static void main(String[] args) {
    ConfigurableApplicationContext app = start(args);
    int port =
        ((org.springframework.boot.web.server.context.WebServerApplicationContext) app)
            .getWebServer()
            .getPort();
    System.out.println("started " + port);
    System.out.flush();
  }
}
