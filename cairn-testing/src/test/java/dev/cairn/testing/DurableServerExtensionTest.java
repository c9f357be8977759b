package dev.cairn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.core.RegistryOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A durable server in a temporary directory, one per test (instance field), restarted. */
class DurableServerExtensionTest {

  @RegisterExtension
  CairnServerExtension server =
      CairnServerExtension.durable()
          .configure(
              b ->
                  b.registryOptions(
                      RegistryOptions.builder().detachGrace(Duration.ofSeconds(30)).build()));

  @Test
  void keepsTheCatalogAcrossARestartOnTheSameAddresses() {
    long revision =
        server
            .registry()
            .register("default", Instance.builder("web", "10.0.0.1").id("w1").build())
            .join()
            .modRevision();
    String target = server.grpcTarget();

    server.restart();

    assertThat(server.grpcTarget()).isEqualTo(target);
    assertThat(server.registry().revision()).isEqualTo(revision);
    assertThat(server.registry().service("default", "web").instances())
        .extracting(Instance::id)
        .containsExactly("w1");
  }

  @Test
  void eachTestGetsAFreshServer() {
    assertThat(server.registry().revision()).isZero();
  }
}
