package dev.cairn.spring;

import java.util.Map;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The seed's REST hello as a Spring Boot application: {@code GET /hello}. */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(HelloApp.Hello.class)
class HelloApp {

  @RestController
  static class Hello {
    private final Environment environment;

    Hello(Environment environment) {
      this.environment = environment;
    }

    @GetMapping("/hello")
    Map<String, String> hello() {
      return Map.of(
          "message", "Hello, World!", "port", environment.getProperty("local.server.port", ""));
    }
  }
}
