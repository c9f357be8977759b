package dev.cairn.server.core;

import java.util.List;

/**
 * The services of one namespace. {@code revision} is the revision at which a service last appeared
 * in or vanished from the namespace; instance changes inside a service do not change it.
 */
public record ServiceList(String namespace, long revision, List<ServiceSummary> services) {
  public ServiceList {
    services = List.copyOf(services);
  }
}
