package dev.cairn.spring.autoconfigure;

import dev.cairn.client.CairnClient;
import dev.cairn.grpc.CairnGrpc;
import dev.cairn.spring.grpc.CairnGrpcChannels;
import dev.cairn.spring.grpc.CairnGrpcServerLifecycle;
import io.grpc.BindableService;
import io.grpc.ClientInterceptor;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor;
import io.micrometer.core.instrument.binder.grpc.ObservationGrpcServerInterceptor;
import io.micrometer.observation.ObservationRegistry;
import java.util.stream.Collectors;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * gRPC on Cairn: {@code cairn:///} targets resolve through the application's {@link CairnClient};
 * {@link CairnGrpcChannels} hands out shared channels; with {@code cairn.grpc.server.port} set, a
 * gRPC server for the application's {@link BindableService} beans starts with the context and is
 * registered as the instance's {@code grpc} port. With an {@link ObservationRegistry}, Micrometer's
 * gRPC observation interceptors propagate the trace context both ways.
 */
@AutoConfiguration(after = CairnAutoConfiguration.class)
@ConditionalOnClass(CairnGrpc.class)
@ConditionalOnBean(CairnClient.class)
@ConditionalOnBooleanProperty(value = "cairn.grpc.enabled", matchIfMissing = true)
public class CairnGrpcAutoConfiguration {

  /** Makes {@code cairn:///} targets use this application's client, until the context closes. */
  @Bean
  DisposableBean cairnGrpcDefaultClient(CairnClient client) throws Exception {
    AutoCloseable installed = CairnGrpc.useClient(client);
    return installed::close;
  }

  @Bean
  @ConditionalOnMissingBean
  CairnGrpcChannels cairnGrpcChannels(ObjectProvider<ClientInterceptor> interceptors) {
    return new CairnGrpcChannels(interceptors.orderedStream().collect(Collectors.toList()));
  }

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty("cairn.grpc.server.port")
  CairnGrpcServerLifecycle cairnGrpcServer(
      CairnProperties properties,
      Environment environment,
      ObjectProvider<BindableService> services,
      ObjectProvider<ServerInterceptor> interceptors) {
    CairnProperties.Grpc.Server server = properties.getGrpc().getServer();
    return new CairnGrpcServerLifecycle(
        environment.getProperty("server.address", "0.0.0.0"),
        server.getPort(),
        services.orderedStream().collect(Collectors.toList()),
        interceptors.orderedStream().collect(Collectors.toList()),
        server.getShutdownGrace());
  }

  /** Trace context over gRPC, both ways, through Micrometer's interceptors. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = "io.micrometer.core.instrument.binder.grpc.ObservationGrpcClientInterceptor")
  @ConditionalOnBean(ObservationRegistry.class)
  static class Observations {

    @Bean
    @ConditionalOnMissingBean
    ObservationGrpcClientInterceptor cairnGrpcClientObservations(ObservationRegistry registry) {
      return new ObservationGrpcClientInterceptor(registry);
    }

    @Bean
    @ConditionalOnMissingBean
    ObservationGrpcServerInterceptor cairnGrpcServerObservations(ObservationRegistry registry) {
      return new ObservationGrpcServerInterceptor(registry);
    }
  }
}
