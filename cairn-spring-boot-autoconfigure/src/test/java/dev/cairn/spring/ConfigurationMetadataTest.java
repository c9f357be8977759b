package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** IDE completion: every {@code cairn.*} property is in the generated metadata, described. */
class ConfigurationMetadataTest {

  @Test
  void everyPropertyIsListedWithADescription() throws Exception {
    JsonNode metadata;
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated metadata").isNotNull();
      metadata = new ObjectMapper().readTree(in);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode p : metadata.get("properties")) {
      String name = p.get("name").asText();
      if (name.startsWith("cairn.")) {
        names.add(name);
        assertThat(p.path("description").asText()).as(name + " description").isNotBlank();
      }
    }
    assertThat(names)
        .contains(
            "cairn.registries",
            "cairn.namespace",
            "cairn.zone",
            "cairn.sessions-on-leader",
            "cairn.tags",
            "cairn.metadata",
            "cairn.discovery.enabled",
            "cairn.registration.drain-timeout",
            "cairn.loadbalancer.policy",
            "cairn.grpc.server.port",
            "cairn.amqp.service");
  }
}
