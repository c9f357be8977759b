package dev.cairn.spring.loadbalancer;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.Balancer;
import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.Outcome;
import dev.cairn.client.lb.PickContext;
import dev.cairn.common.Instance;
import dev.cairn.spring.CairnServiceInstance;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.DefaultRequestContext;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;
import org.springframework.cloud.loadbalancer.core.NoopServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.client.ClientHttpResponse;
import reactor.core.publisher.Mono;

/**
 * Cairn's balancing (P2C over peak EWMA by default, or round robin, weighted, ring hash; zone
 * preference with a panic threshold; outlier ejection) as Spring Cloud's {@link
 * ReactorServiceInstanceLoadBalancer}. It balances whatever the {@link ServiceInstanceListSupplier}
 * chain supplies (Cairn's push-fed one by default) and learns from every call through Spring's
 * {@link LoadBalancerLifecycle}: latency and in-flight count feed P2C-EWMA; 5xx and I/O errors
 * count toward ejection, 429 as overload, a refused connection ejects the instance at once.
 *
 * <p>Thread-safe: picks read the balancer's immutable picker without locks.
 */
public final class CairnReactorLoadBalancer
    implements ReactorServiceInstanceLoadBalancer,
        LoadBalancerLifecycle<Object, Object, ServiceInstance>,
        DisposableBean {

  private final String serviceId;
  private final ObjectProvider<ServiceInstanceListSupplier> suppliers;
  private final Balancer<ServiceInstance> balancer;
  private final Object lock = new Object();
  // Guarded by lock: the last list given to the balancer, compared by identity.
  private List<ServiceInstance> last;

  /**
   * A balancer for {@code serviceId} over the supplier the child context provides, choosing with
   * {@code policy}; {@code localZone} (may be empty) is preferred while enough of it is usable.
   */
  public CairnReactorLoadBalancer(
      String serviceId,
      ObjectProvider<ServiceInstanceListSupplier> suppliers,
      LoadBalancingPolicy policy,
      String localZone) {
    this.serviceId = requireNonNull(serviceId, "serviceId");
    this.suppliers = requireNonNull(suppliers, "suppliers");
    Balancer.Builder<ServiceInstance> b =
        Balancer.<ServiceInstance>builder(CairnServiceInstance::of)
            .policy(requireNonNull(policy, "policy"));
    if (localZone != null && !localZone.isEmpty()) {
      b.localZone(localZone);
    }
    this.balancer = b.build();
  }

  /** The Cairn balancer: endpoints, their stats and ejections. */
  public Balancer<ServiceInstance> balancer() {
    return balancer;
  }

  @Override
  public Mono<Response<ServiceInstance>> choose(Request request) {
    ServiceInstanceListSupplier supplier =
        suppliers.getIfAvailable(NoopServiceInstanceListSupplier::new);
    return supplier.get(request).next().map(list -> pick(list, request));
  }

  private Response<ServiceInstance> pick(List<ServiceInstance> list, Request<?> request) {
    synchronized (lock) {
      if (list != last) {
        last = list;
        balancer.update(instances(list));
      }
    }
    Endpoint<ServiceInstance> endpoint = balancer.pick(context(request));
    return endpoint == null ? new EmptyResponse() : new Picked(endpoint);
  }

  private List<Instance> instances(List<ServiceInstance> list) {
    List<Instance> out = new ArrayList<>(list.size());
    for (ServiceInstance s : list) {
      if (s instanceof CairnServiceInstance) {
        out.add(((CairnServiceInstance) s).instance());
      } else {
        out.add(
            Instance.builder(serviceId.toLowerCase(java.util.Locale.ROOT), s.getHost())
                .id(s.getInstanceId() != null ? s.getInstanceId() : s.getHost() + ":" + s.getPort())
                .port(s.isSecure() ? "https" : "http", s.getPort())
                .metadata(s.getMetadata())
                .buildStored()); // another registry's instance: not held to Cairn's new rules
      }
    }
    return out;
  }

  private static PickContext context(Request<?> request) {
    Object c = request == null ? null : request.getContext();
    if (c instanceof DefaultRequestContext) {
      String hint = ((DefaultRequestContext) c).getHint();
      if (hint != null && !hint.isEmpty() && !"default".equals(hint)) {
        return PickContext.ofKey(hint);
      }
    }
    return PickContext.NONE;
  }

  @Override
  public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
    return true;
  }

  @Override
  public void onStart(Request<Object> request) {}

  @Override
  public void onStartRequest(Request<Object> request, Response<ServiceInstance> response) {
    if (response instanceof Picked) {
      ((Picked) response).start(balancer);
    }
  }

  @Override
  public void onComplete(CompletionContext<Object, ServiceInstance, Object> context) {
    Response<ServiceInstance> response = context.getLoadBalancerResponse();
    if (response instanceof Picked) {
      ((Picked) response).complete(balancer, outcome(context));
    }
  }

  static Outcome outcome(CompletionContext<Object, ServiceInstance, Object> context) {
    if (context.status() == CompletionContext.Status.FAILED) {
      for (Throwable t = context.getThrowable(); t != null; t = t.getCause()) {
        if (t instanceof ConnectException) {
          return Outcome.REFUSED;
        }
      }
      return Outcome.FAILURE;
    }
    int status = status(context.getClientResponse());
    if (status == 429) {
      return Outcome.OVERLOADED;
    }
    return status >= 500 ? Outcome.FAILURE : Outcome.SUCCESS;
  }

  private static int status(Object response) {
    try {
      if (response instanceof ResponseData && ((ResponseData) response).getHttpStatus() != null) {
        return ((ResponseData) response).getHttpStatus().value();
      }
      if (response instanceof ClientHttpResponse) {
        return ((ClientHttpResponse) response).getStatusCode().value();
      }
    } catch (java.io.IOException | RuntimeException e) {
      return 500;
    }
    return 200;
  }

  @Override
  public void destroy() {
    balancer.close();
  }

  /** A pick, carrying its endpoint and, once the call started, its start time. */
  static final class Picked implements Response<ServiceInstance> {
    private final Endpoint<ServiceInstance> endpoint;
    // Set once by start(), read by complete(); the lifecycle calls them in order.
    private volatile long startNanos;
    private volatile boolean started;

    Picked(Endpoint<ServiceInstance> endpoint) {
      this.endpoint = endpoint;
    }

    @Override
    public boolean hasServer() {
      return true;
    }

    @Override
    public ServiceInstance getServer() {
      return endpoint.target();
    }

    void start(Balancer<ServiceInstance> balancer) {
      if (!started) {
        startNanos = balancer.started(endpoint);
        started = true;
      }
    }

    void complete(Balancer<ServiceInstance> balancer, Outcome outcome) {
      if (started) {
        started = false;
        balancer.completed(endpoint, startNanos, outcome);
      }
    }
  }
}
