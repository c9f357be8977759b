/**
 * Spring Cloud LoadBalancer on Cairn: {@link
 * dev.cairn.spring.loadbalancer.CairnServiceInstanceListSupplier} (push-fed, no cache) and {@link
 * dev.cairn.spring.loadbalancer.CairnReactorLoadBalancer} (Cairn's policies).
 */
package dev.cairn.spring.loadbalancer;
