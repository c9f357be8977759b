package dev.cairn.spring.autoconfigure;

import dev.cairn.spring.tracing.TraceContextSupplier;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The current trace context for Cairn's messaging ({@code Messaging.Builder.traceContext}), when
 * the application traces with Micrometer Tracing (OpenTelemetry or Brave bridge).
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration",
      "org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration",
      "org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration"
    })
@ConditionalOnClass(Tracer.class)
public class CairnTracingAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  TraceContextSupplier cairnTraceContext(
      ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
    return new TraceContextSupplier(tracer, propagator);
  }
}
