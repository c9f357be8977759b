package dev.cairn.spring.autoconfigure;

import dev.cairn.client.CairnClient;
import dev.cairn.common.Names;
import dev.cairn.common.Ticker;
import dev.cairn.spring.CairnAutoRegistration;
import dev.cairn.spring.CairnDiscoveryClient;
import dev.cairn.spring.CairnReactiveDiscoveryClient;
import dev.cairn.spring.CairnRegistration;
import dev.cairn.spring.CairnRegistrationCustomizer;
import dev.cairn.spring.CairnServiceRegistry;
import dev.cairn.spring.RegistrationDrain;
import dev.cairn.spring.RequestActivity;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.cloud.client.CommonsClientAutoConfiguration;
import org.springframework.cloud.client.ConditionalOnBlockingDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnReactiveDiscoveryEnabled;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The Cairn starter's core: the shared {@link CairnClient} (closed with the context), Spring
 * Cloud's discovery clients, the service registry and the auto-registration at readiness with drain
 * on shutdown. Turned off with {@code cairn.enabled=false}.
 */
@AutoConfiguration(
    before = {
      CommonsClientAutoConfiguration.class,
      SimpleDiscoveryClientAutoConfiguration.class,
      SimpleReactiveDiscoveryClientAutoConfiguration.class
    },
    after = UtilAutoConfiguration.class)
@ConditionalOnBooleanProperty(value = "cairn.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CairnProperties.class)
public class CairnAutoConfiguration {

  /**
   * The application's one Cairn client: its session carries this application's registrations, its
   * views feed discovery and balancing. Closed with the context (after the drain), which removes
   * what is still registered.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public CairnClient cairnClient(CairnProperties properties, Environment environment) {
    CairnClient.Builder b =
        CairnClient.builder()
            .registries(properties.getRegistries())
            .namespace(properties.getNamespace())
            .sessionTtl(properties.getSessionTtl())
            .removalProtection(properties.isRemovalProtection())
            .sessionsOnLeader(properties.isSessionsOnLeader())
            .clientName(environment.getProperty("spring.application.name", "spring-boot"))
            // The context closes the client, after the application deregistered and drained.
            .shutdownHook(false);
    if (properties.getSnapshotDir() != null) {
      b.snapshotDir(Path.of(properties.getSnapshotDir()));
    }
    CairnProperties.Tls tls = properties.getTls();
    if (tls.getCa() != null && !tls.getCa().isBlank()) {
      b.tlsCa(Path.of(tls.getCa()));
    }
    boolean cert = tls.getCert() != null && !tls.getCert().isBlank();
    boolean key = tls.getKey() != null && !tls.getKey().isBlank();
    if (cert != key) {
      throw new IllegalArgumentException(
          "cairn.tls." + (cert ? "key" : "cert") + ": missing (expected: cert and key together)");
    }
    if (cert) {
      b.tlsClientCertificate(Path.of(tls.getCert()), Path.of(tls.getKey()));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(propertyNamed(e.getMessage()), e);
    }
  }

  /** The SDK's message ({@code "sessionTtl: PT0S (...)"}) naming the property that was set. */
  static String propertyNamed(String message) {
    int colon = message.indexOf(':');
    String field = colon < 0 ? "" : message.substring(0, colon);
    String property =
        switch (field) {
          case "registries", "namespace" -> "cairn." + field;
          case "sessionTtl" -> "cairn.session-ttl";
          case "tlsClientCertificate" -> "cairn.tls.cert";
          case "clientName" -> "spring.application.name";
          default -> null;
        };
    return property == null ? "cairn: " + message : property + message.substring(colon);
  }

  /** How an instance leaves on shutdown; see {@link RegistrationDrain}. */
  @Bean
  @ConditionalOnMissingBean
  public RegistrationDrain cairnRegistrationDrain() {
    return RegistrationDrain.confirmed();
  }

  @Bean
  @ConditionalOnMissingBean
  public CairnServiceRegistry cairnServiceRegistry(CairnClient client, RegistrationDrain drain) {
    return new CairnServiceRegistry(client, drain);
  }

  /** Spring Cloud's blocking discovery client. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnDiscoveryEnabled
  @ConditionalOnBlockingDiscoveryEnabled
  @ConditionalOnBooleanProperty(value = "cairn.discovery.enabled", matchIfMissing = true)
  static class Discovery {

    @Bean
    @ConditionalOnMissingBean
    CairnDiscoveryClient cairnDiscoveryClient(CairnClient client, CairnProperties properties) {
      return new CairnDiscoveryClient(client, properties.getDiscovery().getFirstReadTimeout());
    }
  }

  /** Spring Cloud's reactive discovery client, with Reactor on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "reactor.core.publisher.Flux")
  @ConditionalOnDiscoveryEnabled
  @ConditionalOnReactiveDiscoveryEnabled
  @ConditionalOnBooleanProperty(value = "cairn.discovery.enabled", matchIfMissing = true)
  static class ReactiveDiscovery {

    @Bean
    @ConditionalOnMissingBean
    CairnReactiveDiscoveryClient cairnReactiveDiscoveryClient(
        CairnClient client, CairnProperties properties) {
      return new CairnReactiveDiscoveryClient(
          client, properties.getDiscovery().getFirstReadTimeout());
    }
  }

  /**
   * This application's own registration; off with {@code cairn.registration.enabled=false}, or
   * Spring Cloud's {@code spring.cloud.discovery.enabled=false} or {@code
   * spring.cloud.service-registry.auto-registration.enabled=false}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnDiscoveryEnabled
  @ConditionalOnBooleanProperty(
      value = "spring.cloud.service-registry.auto-registration.enabled",
      matchIfMissing = true)
  @ConditionalOnBooleanProperty(value = "cairn.registration.enabled", matchIfMissing = true)
  static class AutoRegistration {

    @Bean
    @ConditionalOnMissingBean
    CairnAutoRegistration cairnAutoRegistration(
        CairnServiceRegistry registry,
        CairnProperties properties,
        Environment environment,
        ObjectProvider<InetUtils> inetUtils,
        ObjectProvider<CairnRegistrationCustomizer> customizers,
        ObjectProvider<RequestActivity> activity) {
      CairnProperties.Registration r = properties.getRegistration();
      String service = r.getService();
      if (service == null || service.isBlank()) {
        service =
            environment
                .getProperty("spring.application.name", "application")
                .toLowerCase(Locale.ROOT);
      }
      if (!Names.isLabel(service)) {
        throw new IllegalArgumentException(
            "cairn.registration.service: \""
                + service
                + "\" (expected: a DNS label, [a-z0-9] and inner '-'; set it, or "
                + "spring.application.name, to one)");
      }
      String configured = r.getAddress();
      String bound = environment.getProperty("server.address");
      Supplier<String> address =
          configured != null && !configured.isBlank()
              ? () -> configured
              : () -> {
                String web = boundAddress(bound);
                if (web != null) {
                  return web;
                }
                InetUtils utils = inetUtils.getIfAvailable();
                return utils == null
                    ? "127.0.0.1"
                    : utils.findFirstNonLoopbackHostInfo().getIpAddress();
              };
      return new CairnAutoRegistration(
          registry,
          new CairnAutoRegistration.Settings(
              service,
              r.getInstanceId(),
              address,
              r.getPort(),
              r.isRegisterManagementPort(),
              properties.getZone(),
              properties.getTags(),
              properties.getMetadata(),
              r.getWeight(),
              r.getDrainTimeout(),
              r.getDrainQuietPeriod()),
          () -> customizers.orderedStream().collect(Collectors.toList()),
          activity.getIfAvailable());
    }

    /**
     * Spring Cloud's {@code Registration} of this application, filled in when it registers: what
     * {@code /actuator/serviceregistry} reads and sets the status of.
     */
    @Bean
    @ConditionalOnMissingBean(Registration.class)
    CairnRegistration cairnRegistration(CairnAutoRegistration autoRegistration) {
      return autoRegistration.serviceRegistration();
    }

    /**
     * The address the web server listens on ({@code server.address}), or null when it listens on
     * every address (none set, a wildcard, or a name that does not resolve).
     */
    static String boundAddress(String serverAddress) {
      if (serverAddress == null || serverAddress.isBlank()) {
        return null;
      }
      try {
        InetAddress a = InetAddress.getByName(serverAddress.trim());
        return a.isAnyLocalAddress() ? null : a.getHostAddress();
      } catch (UnknownHostException e) {
        return null;
      }
    }

    /** Request arrivals in a servlet application, for the drain's quiet period. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "jakarta.servlet.Filter")
    static class ServletActivity {

      @Bean
      RequestActivity cairnRequestActivity() {
        return new RequestActivity(Ticker.system());
      }

      @Bean
      jakarta.servlet.Filter cairnRequestActivityFilter(RequestActivity activity) {
        return (request, response, chain) -> {
          activity.arrived();
          chain.doFilter(request, response);
        };
      }
    }

    /** Request arrivals in a WebFlux application (the gateway), for the drain's quiet period. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
    static class ReactiveActivity {

      @Bean
      RequestActivity cairnRequestActivity() {
        return new RequestActivity(Ticker.system());
      }

      @Bean
      org.springframework.web.server.WebFilter cairnRequestActivityFilter(
          RequestActivity activity) {
        return (exchange, chain) -> {
          activity.arrived();
          return chain.filter(exchange);
        };
      }
    }

    /** Tells the auto-registration the ports of the web servers (application, management). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebServerInitializedEvent.class)
    static class WebServerPorts {

      @Bean
      ApplicationListener<WebServerInitializedEvent> cairnWebServerPorts(
          CairnAutoRegistration registration) {
        return event ->
            registration.webServerStarted(
                event.getApplicationContext().getServerNamespace(), event.getWebServer().getPort());
      }
    }
  }
}
