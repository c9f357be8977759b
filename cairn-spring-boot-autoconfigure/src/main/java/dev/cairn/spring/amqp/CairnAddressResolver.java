package dev.cairn.spring.amqp;

import static java.util.Objects.requireNonNull;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.AddressResolver;
import dev.cairn.amqp.BrokerAddressSource;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The RabbitMQ client's {@link AddressResolver} on a Cairn {@link BrokerAddressSource}: every
 * connection attempt (the first, and each new connection after one was lost) asks the registry's
 * current brokers (passing ones first), so connections fail over as the broker set changes. When
 * the registry lists none, the fallback's addresses are used. Thread-safe, never blocks.
 */
public final class CairnAddressResolver implements AddressResolver {

  private final BrokerAddressSource source;

  /** Addresses from {@code source} ({@code CairnBrokerAddresses.of(..).orElse(fallback)}). */
  public CairnAddressResolver(BrokerAddressSource source) {
    this.source = requireNonNull(source, "source");
  }

  @Override
  public List<Address> getAddresses() {
    List<InetSocketAddress> found = source.addresses();
    List<Address> out = new ArrayList<>(found.size());
    for (InetSocketAddress a : found) {
      out.add(new Address(a.getHostString(), a.getPort()));
    }
    return out;
  }

  @Override
  public String toString() {
    return "CairnAddressResolver(" + source + ")";
  }
}
