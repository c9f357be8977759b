package dev.cairn.spring;

import dev.cairn.testing.CairnServerExtension;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts real Spring Boot applications on random ports against a test registry. */
final class Apps {

  private Apps() {}

  /** Properties every test application gets: the registry, loopback, quiet logs, random ports. */
  static List<String> base(CairnServerExtension server, String name) {
    List<String> p = new ArrayList<>();
    p.add("spring.application.name=" + name);
    p.add("cairn.registries=" + server.grpcTarget());
    p.add("cairn.registration.address=127.0.0.1");
    p.add("server.port=0");
    p.add("server.address=127.0.0.1");
    p.add("spring.main.banner-mode=off");
    p.add("logging.level.root=WARN");
    p.add("logging.level.dev.cairn=INFO");
    // The gateway is on the test class path for GatewayTest; servlet applications turn it off.
    p.add("spring.cloud.gateway.server.webflux.enabled=false");
    return p;
  }

  static ConfigurableApplicationContext start(
      Class<?> app, WebApplicationType type, List<String> properties) {
    SpringApplication application =
        new SpringApplicationBuilder(app)
            .web(type)
            .properties(properties.toArray(new String[0]))
            .build();
    return application.run();
  }

  static ConfigurableApplicationContext servlet(Class<?> app, List<String> properties) {
    return start(app, WebApplicationType.SERVLET, properties);
  }

  static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }
}
