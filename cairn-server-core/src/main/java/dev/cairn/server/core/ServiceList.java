package dev.cairn.server.core;

import java.util.List;

/**
 * The services of one namespace that have at least one instance, sorted by name. {@code revision}
 * is the revision of the last change anywhere in the namespace (like Consul's catalog index), so
 * one revision always names one list.
 */
public record ServiceList(String namespace, long revision, List<ServiceSummary> services) {
  public ServiceList {
    services = List.copyOf(services);
  }
}
