package dev.cairn.spring.autoconfigure;

import dev.cairn.client.CairnClient;
import dev.cairn.spring.CairnServiceRegistry;
import dev.cairn.spring.actuate.CairnClientMetrics;
import dev.cairn.spring.actuate.CairnEndpoint;
import dev.cairn.spring.actuate.CairnHealthIndicator;
import java.time.Duration;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Actuator for Cairn: the {@code cairn} health indicator, endpoint and SDK metrics. */
@AutoConfiguration(after = CairnAutoConfiguration.class)
@ConditionalOnBean({CairnClient.class, CairnServiceRegistry.class})
public class CairnActuatorAutoConfiguration {

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnEnabledHealthIndicator("cairn")
  static class Health {

    @Bean
    @ConditionalOnMissingBean(name = "cairnHealthIndicator")
    CairnHealthIndicator cairnHealthIndicator(CairnClient client) {
      return new CairnHealthIndicator(client, Duration.ofSeconds(2));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  @ConditionalOnAvailableEndpoint(endpoint = CairnEndpoint.class)
  static class EndpointConfiguration {

    @Bean
    @ConditionalOnMissingBean
    CairnEndpoint cairnEndpoint(CairnClient client, CairnServiceRegistry registry) {
      return new CairnEndpoint(client, registry);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
  static class Metrics {

    @Bean
    @ConditionalOnMissingBean
    CairnClientMetrics cairnClientMetrics(CairnClient client, CairnServiceRegistry registry) {
      return new CairnClientMetrics(client, registry);
    }
  }
}
