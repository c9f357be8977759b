package dev.cairn.examples.spring.hello;

import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The seed's REST hello as a Spring Boot application: {@code GET /hello} answers {@code
 * {"message":"Hello, World!"}}. It registers in Cairn as {@code hello} once ready (a random port;
 * start as many as you like) and drains on Ctrl-C. Settings: {@code hello.properties}.
 */
@SpringBootApplication
@RestController
public class Application {

  @GetMapping("/hello")
  Map<String, String> hello() {
    return Map.of("message", "Hello, World!");
  }

  public static void main(String[] args) {
    new SpringApplicationBuilder(Application.class)
        .properties("spring.config.name=hello")
        .run(args);
  }
}
