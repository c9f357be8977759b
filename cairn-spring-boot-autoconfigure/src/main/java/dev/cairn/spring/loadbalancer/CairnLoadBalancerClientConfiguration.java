package dev.cairn.spring.loadbalancer;

import dev.cairn.client.CairnClient;
import dev.cairn.client.lb.LoadBalancingPolicyRegistry;
import dev.cairn.spring.autoconfigure.CairnProperties;
import dev.cairn.spring.internal.InstanceLists;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The beans of each load-balanced service's child context (Spring Cloud LoadBalancer creates one
 * per service id): Cairn's push-fed instance list and Cairn's balancer. Applied to every service as
 * the default configuration; an application's own {@code @LoadBalancerClient} configuration still
 * wins.
 */
@Configuration(proxyBeanMethods = false)
public class CairnLoadBalancerClientConfiguration {

  @Bean
  @ConditionalOnMissingBean
  ServiceInstanceListSupplier cairnServiceInstanceListSupplier(
      Environment environment, CairnClient client, CairnProperties properties) {
    String serviceId = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
    String name = InstanceLists.serviceName(serviceId);
    if (name == null) {
      return new NoopServiceInstanceListSupplier();
    }
    return new CairnServiceInstanceListSupplier(
        serviceId, client.view(name), properties.getDiscovery().getFirstReadTimeout());
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(value = "cairn.loadbalancer.enabled", matchIfMissing = true)
  ReactorLoadBalancer<ServiceInstance> cairnReactorLoadBalancer(
      Environment environment,
      ObjectProvider<ServiceInstanceListSupplier> suppliers,
      CairnProperties properties) {
    String serviceId = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME);
    CairnProperties.LoadBalancer lb = properties.getLoadbalancer();
    String policy = lb.getServices().getOrDefault(serviceId, lb.getPolicy());
    return new CairnReactorLoadBalancer(
        serviceId,
        suppliers,
        LoadBalancingPolicyRegistry.getDefault().get(policy),
        lb.isZoneAware() ? properties.getZone() : "");
  }
}
