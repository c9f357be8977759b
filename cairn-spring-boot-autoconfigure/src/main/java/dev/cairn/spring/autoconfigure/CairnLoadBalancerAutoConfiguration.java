package dev.cairn.spring.autoconfigure;

import dev.cairn.spring.loadbalancer.CairnLoadBalancerClientConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;

/**
 * Spring Cloud LoadBalancer on Cairn: every load-balanced service id ({@code @LoadBalanced}
 * RestClient, WebClient, RestTemplate, the gateway's {@code lb://}) gets Cairn's push-fed instance
 * list and, unless {@code cairn.loadbalancer.enabled=false}, Cairn's balancer. Off with {@code
 * spring.cloud.discovery.enabled=false}, as Spring Cloud's own discovery-based suppliers are.
 */
@AutoConfiguration(
    after = CairnAutoConfiguration.class,
    before = LoadBalancerAutoConfiguration.class)
@ConditionalOnClass(ReactorLoadBalancer.class)
@ConditionalOnBean(dev.cairn.client.CairnClient.class)
@ConditionalOnBooleanProperty(value = "spring.cloud.loadbalancer.enabled", matchIfMissing = true)
@ConditionalOnDiscoveryEnabled
@LoadBalancerClients(defaultConfiguration = CairnLoadBalancerClientConfiguration.class)
public class CairnLoadBalancerAutoConfiguration {}
