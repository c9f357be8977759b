package dev.cairn.spring;

import dev.cairn.common.Instance;

/**
 * Adjusts the instance this application registers, after the starter set its address, ports, zone,
 * tags and metadata from the properties (e.g. to add a port or a health check). Beans of this type
 * are applied in order each time the application registers.
 */
@FunctionalInterface
public interface CairnRegistrationCustomizer {

  void customize(Instance.Builder instance);
}
