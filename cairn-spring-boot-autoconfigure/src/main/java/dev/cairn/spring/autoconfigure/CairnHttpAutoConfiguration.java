package dev.cairn.spring.autoconfigure;

import dev.cairn.client.CairnClient;
import dev.cairn.http.CairnHttpClient;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Cairn's own REST client ({@code cairn-http}) as a bean, when it is on the class path: calls by
 * service name with Cairn's deadlines, retries, ejection and circuit breaking, observed (pick,
 * attempt, retry spans; {@code traceparent} sent) when the application has an {@link
 * ObservationRegistry}. Closed with the context.
 */
@AutoConfiguration(after = CairnAutoConfiguration.class)
@ConditionalOnClass(CairnHttpClient.class)
@ConditionalOnBean(CairnClient.class)
public class CairnHttpAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  CairnHttpClient cairnHttpClient(
      CairnClient client, ObjectProvider<ObservationRegistry> observations) {
    return CairnHttpClient.builder(client)
        .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
        .build();
  }
}
