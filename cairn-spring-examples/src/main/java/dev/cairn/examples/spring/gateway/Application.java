package dev.cairn.examples.spring.gateway;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Spring Cloud Gateway in front of {@code hello}: {@code GET http://127.0.0.1:8080/hello} is routed
 * to {@code lb://hello}, whose instances Cairn pushes (a new instance gets calls at once, a stopped
 * one none). Settings, the route included: {@code gateway.properties}.
 */
@SpringBootApplication
public class Application {

  public static void main(String[] args) {
    new SpringApplicationBuilder(Application.class)
        .web(WebApplicationType.REACTIVE)
        .properties("spring.config.name=gateway")
        .run(args);
  }
}
