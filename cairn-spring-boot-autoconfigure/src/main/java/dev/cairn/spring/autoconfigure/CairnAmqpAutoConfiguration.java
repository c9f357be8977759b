package dev.cairn.spring.autoconfigure;

import dev.cairn.amqp.BrokerAddressSource;
import dev.cairn.amqp.CairnBrokerAddresses;
import dev.cairn.client.CairnClient;
import dev.cairn.spring.amqp.CairnAddressResolver;
import org.springframework.amqp.rabbit.connection.AbstractConnectionFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Spring AMQP on Cairn: every Spring AMQP connection factory of the application (Spring Boot's
 * {@code CachingConnectionFactory} included) takes its broker addresses from the registry's {@code
 * rabbitmq} instances (port {@code amqp}) on each new connection, falling back to its own
 * configured host and port when the registry lists none.
 */
@AutoConfiguration(after = CairnAutoConfiguration.class)
@ConditionalOnClass({AbstractConnectionFactory.class, CairnBrokerAddresses.class})
@ConditionalOnBooleanProperty(value = "cairn.amqp.enabled", matchIfMissing = true)
public class CairnAmqpAutoConfiguration {

  @Bean
  static BeanPostProcessor cairnRabbitAddresses(
      ObjectProvider<CairnClient> client, ObjectProvider<CairnProperties> properties) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof AbstractConnectionFactory)) {
          return bean;
        }
        CairnClient c = client.getIfAvailable();
        if (c != null) {
          AbstractConnectionFactory factory = (AbstractConnectionFactory) bean;
          CairnProperties.Amqp amqp = properties.getObject().getAmqp();
          BrokerAddressSource fallback =
              BrokerAddressSource.fixed(factory.getHost() + ":" + factory.getPort());
          factory.setAddressResolver(
              new CairnAddressResolver(
                  CairnBrokerAddresses.of(c.view(amqp.getService()), amqp.getPortName())
                      .orElse(fallback)));
        }
        return bean;
      }
    };
  }
}
