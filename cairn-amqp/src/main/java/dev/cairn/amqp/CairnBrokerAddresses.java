package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Broker addresses from the Cairn registry: the instances of a service (by default {@value
 * #DEFAULT_SERVICE}) with a port of the given name (by default {@value #DEFAULT_PORT}), passing
 * ones first, then warning ones; critical ones and instances without the port are left out.
 *
 * <p>Reads the client's kept-current {@link ServiceView}: no I/O, never blocks, so the RabbitMQ
 * client can ask it on every connection and recovery attempt. Combine with a static fallback:
 * {@code CairnBrokerAddresses.of(client).orElse(BrokerAddressSource.fixed("127.0.0.1:5672"))}.
 */
public final class CairnBrokerAddresses implements BrokerAddressSource {

  /** The service name brokers register under by default. */
  public static final String DEFAULT_SERVICE = "rabbitmq";

  /** The port name of the AMQP listener by default. */
  public static final String DEFAULT_PORT = "amqp";

  private static final Comparator<Instance> BY_HEALTH =
      Comparator.comparingInt((Instance i) -> i.health() == Health.PASSING ? 0 : 1);

  private final ServiceView view;
  private final String portName;

  private CairnBrokerAddresses(ServiceView view, String portName) {
    this.view = requireNonNull(view, "view");
    this.portName = requireNonNull(portName, "portName");
    if (portName.isEmpty()) {
      throw new IllegalArgumentException("portName: \"\" (expected: a port name, e.g. amqp)");
    }
  }

  /** Instances of service {@value #DEFAULT_SERVICE}, port {@value #DEFAULT_PORT}. */
  public static CairnBrokerAddresses of(CairnClient client) {
    return new CairnBrokerAddresses(
        requireNonNull(client, "client").view(DEFAULT_SERVICE), DEFAULT_PORT);
  }

  /** Instances of the view's service, the named port. */
  public static CairnBrokerAddresses of(ServiceView view, String portName) {
    return new CairnBrokerAddresses(view, portName);
  }

  @Override
  public List<InetSocketAddress> addresses() {
    List<Instance> usable = new ArrayList<>();
    for (Instance i : view.instances()) {
      if (i.health() != Health.CRITICAL && i.ports().containsKey(portName)) {
        usable.add(i);
      }
    }
    usable.sort(BY_HEALTH);
    List<InetSocketAddress> out = new ArrayList<>(usable.size());
    for (Instance i : usable) {
      out.add(InetSocketAddress.createUnresolved(i.address(), i.ports().get(portName)));
    }
    return out;
  }

  @Override
  public String toString() {
    return "CairnBrokerAddresses(" + view.service() + ", port " + portName + ")";
  }
}
