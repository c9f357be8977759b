package dev.cairn.compat.spring;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A plain Spring Boot web app, the kind a team runs: what discovery library it uses (Spring Cloud
 * Consul or Netflix Eureka) and where it points are properties only. Started in the test's JVM, or
 * in a child JVM by {@link #main} when a test needs to {@code kill -9} it.
 */
@SpringBootApplication
@RestController
public class HelloApp {

  @GetMapping("/hello")
  public String hello() {
    return "hello";
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
    start(args);
    System.out.println("started");
    System.out.flush();
  }
}
