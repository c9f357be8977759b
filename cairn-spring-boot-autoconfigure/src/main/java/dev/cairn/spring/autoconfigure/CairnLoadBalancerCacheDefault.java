package dev.cairn.spring.autoconfigure;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Turns Spring Cloud LoadBalancer's instance-list cache off by default when Cairn's instance lists
 * serve the load balancer: they read a view the registry pushes to, never through that cache, so
 * the cache only made Spring Cloud log its "default cache ... use Caffeine" warning. A value the
 * application sets, anywhere, wins: this default is the last property source.
 */
public final class CairnLoadBalancerCacheDefault implements EnvironmentPostProcessor {

  static final String CACHE_ENABLED = "spring.cloud.loadbalancer.cache.enabled";
  static final String SOURCE = "cairnLoadBalancerDefaults";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
    if (env.containsProperty(CACHE_ENABLED)
        || !ClassUtils.isPresent(
            "org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer",
            application.getClassLoader())
        || !env.getProperty("cairn.enabled", Boolean.class, true)
        || !env.getProperty("spring.cloud.discovery.enabled", Boolean.class, true)
        || !env.getProperty("spring.cloud.loadbalancer.enabled", Boolean.class, true)) {
      return;
    }
    env.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(CACHE_ENABLED, false)));
  }
}
