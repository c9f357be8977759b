package dev.cairn.grpc;

import dev.cairn.client.CairnClient;
import dev.cairn.client.SharedClient;
import dev.cairn.grpc.internal.CairnNameResolver;
import dev.cairn.grpc.internal.CairnTarget;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * Resolves {@code cairn:} targets (see {@link CairnGrpc}) from a Cairn {@link
 * dev.cairn.client.ServiceView}: one address group per instance (its {@code grpc} port, or its only
 * port), carrying {@link CairnAttributes}. Registered through {@code META-INF/services} and the
 * module's {@code provides}.
 */
public final class CairnNameResolverProvider extends NameResolverProvider {

  /** The constructor {@link java.util.ServiceLoader} calls. */
  public CairnNameResolverProvider() {}

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return "cairn";
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!"cairn".equals(targetUri.getScheme())) {
      return null;
    }
    CairnTarget target = CairnTarget.parse(targetUri);
    return new CairnNameResolver(target, args, clientFor(target));
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  private static Supplier<CairnNameResolver.ClientLease> clientFor(CairnTarget target) {
    return () -> {
      if (target.registries() == null) {
        CairnClient installed = CairnGrpc.installedClient();
        if (installed != null) {
          return new CairnNameResolver.ClientLease(installed, () -> {});
        }
      }
      String registries =
          target.registries() != null ? target.registries() : CairnGrpc.defaultRegistries();
      SharedClient lease = SharedClient.acquire(registries);
      return new CairnNameResolver.ClientLease(lease.client(), lease::close);
    };
  }
}
