package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client of a registry with ACLs on sends its token on every call. */
class AclTokenTest {

  @RegisterExtension
  CairnServerExtension server = CairnServerExtension.inMemory().configure(b -> b.acl(true));

  @Test
  void aClientWithATokenRegistersAndWatchesWhatItsPolicyAllows() throws Exception {
    server
        .registry()
        .acls()
        .createPolicy(
            new Policy(
                "orders",
                "",
                List.of(
                    Rule.of(Resource.SESSION, Access.WRITE),
                    new Rule(Resource.SERVICE, "*", "orders", Access.WRITE))))
        .join();
    String token = server.registry().acls().createToken("", List.of("orders")).join().secret();

    try (CairnClient client =
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .token(token)
            .build()) {
      Instance stored =
          client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
      assertThat(stored.sessionId()).isNotEmpty();
      ServiceView view = client.view("orders");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ids(view.instances()).equals(List.of("o1")));
    }
    assertThat(server.registry().service("default", "orders").instances()).isEmpty();
  }
}
