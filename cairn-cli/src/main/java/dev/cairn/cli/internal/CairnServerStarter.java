package dev.cairn.cli.internal;

import dev.cairn.compat.ConsulApi;
import dev.cairn.compat.EurekaApi;
import dev.cairn.compat.PrometheusSd;
import dev.cairn.server.CairnServer;
import dev.cairn.xds.XdsFrontDoor;
import dev.cairn.xds.XdsOptions;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Starts the real server through {@link CairnServer#builder()}. */
final class CairnServerStarter implements EmbeddedServer.Starter {

  @Override
  public EmbeddedServer start(ServerSettings settings) throws IOException {
    CairnServer.Builder builder =
        CairnServer.builder()
            .bind(settings.bind())
            .httpPort(settings.httpPort())
            .grpcPort(settings.grpcPort())
            .dnsPort(settings.dns().port())
            .dnsDomain(settings.dns().domain())
            .dnsTtl(settings.dns().ttl())
            .metrics(settings.metrics());
    if (settings.inMemory()) {
      builder.inMemory();
    } else {
      builder.dataDir(settings.dataDir());
    }
    if (settings.detachGrace() != null) {
      builder.sessionDetachGrace(settings.detachGrace());
    }
    if (settings.protectionThreshold() != null) {
      builder.protectionThreshold(settings.protectionThreshold());
    }
    ServerSettings.Security security = settings.security();
    if (security.tlsCert() != null) {
      builder.tlsCert(security.tlsCert()).tlsKey(security.tlsKey());
    }
    if (security.tlsCa() != null) {
      builder.tlsCa(security.tlsCa());
    }
    builder.insecureAllowOpenAccess(security.insecureAllowOpenAccess());
    builder.acl(security.acl());
    ServerSettings.Limits limits = settings.limits();
    builder.allowedHosts(limits.allowedHosts());
    if (limits.dnsRateLimit() >= 0) {
      builder.dnsRateLimit(limits.dnsRateLimit());
    }
    if (limits.maxWatchesPerClient() > 0) {
      builder.maxWatchesPerClient(limits.maxWatchesPerClient());
    }
    if (limits.maxConnectionsPerClient() > 0) {
      builder.maxConnectionsPerClient(limits.maxConnectionsPerClient());
    }
    if (limits.maxSessionsPerClient() > 0) {
      builder.maxSessionsPerClient(limits.maxSessionsPerClient());
    }
    builder.rateLimit(limits.rateLimit(), limits.rateLimitBurst());
    builder.maxPerToken(limits.maxWatchesPerToken(), limits.maxSessionsPerToken());
    ServerSettings.Cluster cluster = settings.cluster();
    if (cluster.peers() != null) {
      builder
          .nodeId(cluster.nodeId())
          .peers(cluster.peers())
          .clusterName(cluster.clusterName())
          .join(cluster.join())
          .electionTimeout(cluster.electionTimeout());
      if (cluster.advertiseAddress() != null) {
        builder.advertiseAddress(cluster.advertiseAddress());
      }
    }
    builder.writeTimeout(cluster.writeTimeout());
    if (cluster.minFreeDisk() >= 0) {
      builder.minFreeDiskBytes(cluster.minFreeDisk());
    }
    if (cluster.snapshotEvery() > 0) {
      builder.snapshotEvery(cluster.snapshotEvery());
    }
    if (cluster.segmentSize() > 0) {
      builder.segmentSizeBytes(cluster.segmentSize());
    }
    ServerSettings.FrontDoors doors = settings.frontDoors();
    if (doors.prometheusSdPort() != -1) {
      builder.frontDoor(PrometheusSd.frontDoor(doors.prometheusSdPort()));
    }
    if (doors.xdsPort() != -1) {
      ServerSettings.Xds xds = doors.xds();
      builder.frontDoor(
          XdsFrontDoor.factory(
              XdsOptions.builder()
                  .port(doors.xdsPort())
                  .namespaces(xds.namespaces())
                  .portName(xds.portName())
                  .retryUnavailable(xds.retryUnavailable())
                  .tokenCheckInterval(xds.tokenCheckInterval())
                  .maxFilteredSnapshots(xds.maxFilteredSnapshots())
                  .build()));
    }
    if (doors.consulPort() != -1) {
      builder.frontDoor(ConsulApi.frontDoor(doors.consulPort()));
    }
    if (doors.eurekaPort() != -1) {
      builder.frontDoor(EurekaApi.frontDoor(doors.eurekaPort()));
    }
    // start() closes whatever it opened when it fails.
    CairnServer server = builder.build().start();
    return new EmbeddedServer() {
      @Override
      public java.util.List<String> listenerLines() {
        return server.listenerLines();
      }

      @Override
      public java.util.concurrent.CompletableFuture<Void> whenClosed() {
        return server.whenClosed();
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }

  /** {@code 127.0.0.1:8500}, or {@code [::1]:8500} for IPv6. */
  static String hostPort(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String host = ip == null ? address.getHostString() : ip.getHostAddress();
    return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
