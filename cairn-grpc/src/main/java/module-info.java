/**
 * grpc-java integration: the {@code cairn:} name resolver, Cairn's load balancers, the retry
 * interceptor and gRPC server registration. The {@code internal} package is not exported; grpc-java
 * finds the providers through the service declarations below (decision 0095).
 */
module dev.cairn.grpc {
  requires transitive dev.cairn.client;
  requires transitive io.grpc;
  requires transitive io.grpc.services;
  requires io.grpc.stub;
  requires org.slf4j;

  exports dev.cairn.grpc;

  provides io.grpc.NameResolverProvider with
      dev.cairn.grpc.CairnNameResolverProvider;
  provides io.grpc.LoadBalancerProvider with
      dev.cairn.grpc.internal.CairnLoadBalancerProvider.P2cEwma,
      dev.cairn.grpc.internal.CairnLoadBalancerProvider.Weighted,
      dev.cairn.grpc.internal.CairnLoadBalancerProvider.RingHash;
}
